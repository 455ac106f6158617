// Reading the classifier's answer (POST /api/v1/classify) whatever its exact field names,
// so the operator screen works as the classifier evolves. Returns plain values only.

// items come as objects ({label|category|name, score|probability}) or as [label, score] pairs
const name = (v) => (Array.isArray(v) ? v[0]
  : v && typeof v === "object" ? (v.label ?? v.category ?? v.name ?? v.unit_name ?? v.code ?? v.id) : v);
const code = (v) => (v && typeof v === "object" && !Array.isArray(v) ? (v.code ?? v.value ?? v.id ?? v.label) : v);
const score = (v) => (Array.isArray(v) ? v[1]
  : v && typeof v === "object" ? (v.score ?? v.p ?? v.probability ?? v.confidence) : undefined);

/** One routing suggestion (order.suggestions item) as {name, score, unitId, unitName}. */
export function readItem(item) {
  const o = item && typeof item === "object" && !Array.isArray(item) ? item : {};
  return { name: name(item), score: score(item), unitId: o.unit_id ?? o.target_unit_id ?? null,
    unitName: o.unit_name ?? o.target_unit_name ?? null };
}

export function readSuggestion(r) {
  if (!r || typeof r !== "object") return null;
  const top = r.top3 ?? r.top ?? r.categories ?? r.candidates ?? r.top_categories ?? [];
  const place = r.place ?? r.division ?? null;
  const unit = r.responsible_unit ?? r.unit ?? r.target_unit ?? null;
  const emergency = r.emergency && typeof r.emergency === "object" ? (r.emergency.service ?? r.emergency.code) : r.emergency;
  return {
    category: name(r.category) ?? name(top[0]) ?? null,
    categoryScore: score(r.category) ?? r.category_score ?? r.confidence ?? score(top[0]),
    top: (Array.isArray(top) ? top : []).slice(0, 3).map((c) => ({ name: name(c), score: score(c) })),
    requestType: code(r.request_type) ?? null,
    urgency: code(r.urgency) ?? null,
    emergency: emergency ? String(emergency) : null,
    place: place ? { code: place.division_code ?? place.code ?? place.id ?? r.division_code ?? null,
      name: typeof place === "string" ? place : (place.full_name || place.name || place.label || place.text || null) }
      : (r.division_code ? { code: r.division_code, name: r.division_name ?? r.division_code } : null),
    unit: unit ? { id: unit.id ?? unit.unit_id ?? null, name: unit.name ?? unit.unit_name ?? name(unit) }
      : (r.unit_id ? { id: r.unit_id, name: r.unit_name ?? r.unit_id } : null),
    duplicates: (r.duplicates ?? r.possible_duplicates ?? []).slice(0, 5).map((d) => ({
      id: d.order_id ?? d.id, number: d.number ?? null, title: d.title ?? d.text ?? "", score: d.score ?? d.similarity,
    })),
  };
}

export const pct = (s) => (s === undefined || s === null || Number.isNaN(Number(s)) ? ""
  : ` ${Math.round(Number(s) * (Number(s) <= 1 ? 100 : 1))}%`);
