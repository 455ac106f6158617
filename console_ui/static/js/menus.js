// Which screens each role's menu offers (the API still decides what each may do).
export const MENUS = {
  operator: ["intake", "orders", "knowledge"],
  dispatcher: ["workbench", "orders", "dashboard", "knowledge"],
  callback_agent: ["callback", "orders", "knowledge"],
  handler: ["inbox", "orders", "knowledge"],
  supervisor: ["dashboard", "orders", "knowledge"],
  admin: ["knowledge", "dashboard", "orders", "model", "calendar"],
};
