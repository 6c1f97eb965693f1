// The connections of a network drawn as a picture: members on a circle, a line for each
// pair who were in touch (thicker for more contacts), arrows for who reached whom. Built
// as SVG elements (never markup from data), with a title and a description in words; the
// table beside it says the same for screen readers.

const SVG = 'http://www.w3.org/2000/svg';
const SIZE = 640;
const RADIUS = 190;

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  return el;
}

/** "Ana P." from "Ana Principal". */
function shortName(name) {
  const [first, ...rest] = name.split(/\s+/).filter(Boolean);
  return rest.length ? `${first} ${rest[rest.length - 1][0]}.` : first ?? '?';
}

/**
 * The picture of `connections` (`[{from, to, kind, count}]`), with `title`. Members are
 * placed on a circle, the most connected first, so busy pairs sit apart and every line
 * stays visible.
 */
export function networkPicture(connections, title) {
  const people = new Map();
  const degree = new Map();
  const pairs = new Map(); // "a|b" (sorted) -> contacts
  for (const edge of connections) {
    people.set(edge.from.id, edge.from);
    people.set(edge.to.id, edge.to);
    degree.set(edge.from.id, (degree.get(edge.from.id) ?? 0) + edge.count);
    degree.set(edge.to.id, (degree.get(edge.to.id) ?? 0) + edge.count);
    const key = [edge.from.id, edge.to.id].sort().join('|');
    pairs.set(key, (pairs.get(key) ?? 0) + edge.count);
  }
  const order = [...people.keys()].sort((a, b) => (degree.get(b) - degree.get(a)) || people.get(a).display_name.localeCompare(people.get(b).display_name));
  const position = new Map(order.map((id, i) => {
    const angle = (2 * Math.PI * i) / Math.max(order.length, 1) - Math.PI / 2;
    return [id, [SIZE / 2 + RADIUS * Math.cos(angle), SIZE / 2 + RADIUS * Math.sin(angle)]];
  }));
  const titleId = `picture-title-${Math.random().toString(36).slice(2)}`;
  const descId = `${titleId}-desc`;
  const root = svg('svg', { viewBox: `0 0 ${SIZE} ${SIZE}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}`, class: 'network-picture' });
  const titleEl = svg('title', { id: titleId });
  titleEl.textContent = title;
  const desc = svg('desc', { id: descId });
  desc.textContent = order.length
    ? `${order.length} members connected by ${pairs.size} pairs in touch. ${order.slice(0, 3).map((id) => `${people.get(id).display_name} (${degree.get(id)} contacts)`).join(', ')} were the most connected.`
    : 'Nobody was in touch with a colleague in this period.';
  root.append(titleEl, desc);
  const defs = svg('defs');
  // Fixed-size arrowheads (not scaled by the line's width), their tip at the line's end.
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto' });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'picture-arrow' }));
  defs.append(marker);
  root.append(defs);
  const radius = (id) => 10 + Math.min(degree.get(id), 10);
  const directed = new Set(connections.map((e) => `${e.from.id}>${e.to.id}`));
  const lines = svg('g', { class: 'picture-edges' });
  for (const edge of connections) {
    const [ax, ay] = position.get(edge.from.id);
    const [bx, by] = position.get(edge.to.id);
    const length = Math.hypot(bx - ax, by - ay) || 1;
    const [ux, uy] = [(bx - ax) / length, (by - ay) / length];
    // Contacts both ways run side by side instead of on top of each other.
    const shift = directed.has(`${edge.to.id}>${edge.from.id}`) ? 5 : 0;
    const [px, py] = [-uy * shift, ux * shift];
    const start = radius(edge.from.id) + 2;
    const end = radius(edge.to.id) + 3;
    lines.append(svg('line', {
      x1: ax + ux * start + px, y1: ay + uy * start + py,
      x2: bx - ux * end + px, y2: by - uy * end + py,
      'stroke-width': Math.min(1 + edge.count, 5), 'marker-end': 'url(#arrow)',
      class: `picture-edge picture-edge-${edge.kind}`,
    }));
  }
  root.append(lines);
  const nodes = svg('g', { class: 'picture-nodes' });
  for (const id of order) {
    const [x, y] = position.get(id);
    const r = radius(id);
    const node = svg('g', { class: 'picture-node' });
    node.append(svg('circle', { cx: x, cy: y, r }));
    // The name sits outside the circle, away from the middle, clear of the lines.
    const [dx, dy] = [x - SIZE / 2, y - SIZE / 2];
    const away = Math.hypot(dx, dy) || 1;
    const lx = x + (dx / away) * (r + 16);
    const ly = y + (dy / away) * (r + 16) + 4;
    const anchor = Math.abs(dx) < 20 ? 'middle' : dx > 0 ? 'start' : 'end';
    const label = svg('text', { x: lx, y: ly, 'text-anchor': anchor });
    label.textContent = shortName(people.get(id).display_name);
    node.append(label);
    nodes.append(node);
  }
  root.append(nodes);
  return root;
}
