// Which screens each role's menu offers (the API still decides what each may do).
export const MENUS = {
  operator: ["intake", "orders", "knowledge"],
  dispatcher: ["workbench", "orders", "dashboard", "knowledge"],
  callback_agent: ["callback", "orders", "knowledge"],
  handler: ["inbox", "orders", "knowledge"],
  supervisor: ["dashboard", "orders", "knowledge"],
  admin: ["knowledge", "dashboard", "orders", "model", "calendar"],
};

/** An administrator of the centre itself (its unit tops the tree): the centre-wide settings
 *  (calendar, model, knowledge base) are theirs; a county's administrator sees its figures. */
export const isCentreAdmin = (me) => me.user.role === "admin" && !me.unit.parent_id;

export function menusFor(me) {
  if (me.user.role === "admin" && !isCentreAdmin(me)) return ["dashboard", "orders", "knowledge"];
  return MENUS[me.user.role] || [];
}
