// A deterministic synthetic task set: titles and descriptions from a fixed pseudo-word vocabulary
// (so any word matches ~0.1-1% of tasks), labels, assignees, priorities, statuses and due dates.
export function rng(seed = 42) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYL = ['ka', 'lo', 'mi', 'ne', 'su', 'ta', 'ri', 'po', 've', 'zu', 'da', 'fe', 'gi', 'ho', 'ju', 'by'];
export const VOCAB = Array.from({ length: 2000 }, (_, i) => SYL[i % 16] + SYL[(i >> 4) % 16] + SYL[(i >> 8) % 16] + (i >> 12 ? 'x' : ''));
export const LABELS = Array.from({ length: 20 }, (_, i) => `label-${i}`);
export const ASSIGNEES = Array.from({ length: 10 }, (_, i) => `agent-${i}`);
const STATUSES = ['todo', 'todo', 'todo', 'in_progress', 'blocked', 'done', 'done', 'cancelled'];
const PRIORITIES = ['low', 'medium', 'medium', 'high', 'critical'];

export function makeTask(r) {
  const words = (n) => Array.from({ length: n }, () => VOCAB[Math.floor(r() * VOCAB.length)]).join(' ');
  const day = 1 + Math.floor(r() * 28);
  return {
    title: words(3 + Math.floor(r() * 5)),
    description: words(15 + Math.floor(r() * 25)),
    status: STATUSES[Math.floor(r() * STATUSES.length)],
    priority: PRIORITIES[Math.floor(r() * PRIORITIES.length)],
    labels: [LABELS[Math.floor(r() * LABELS.length)]],
    assignee: r() < 0.7 ? ASSIGNEES[Math.floor(r() * ASSIGNEES.length)] : undefined,
    due_date: r() < 0.5 ? `2026-${String(1 + Math.floor(r() * 12)).padStart(2, '0')}-${String(day).padStart(2, '0')}` : undefined,
  };
}
