import type { TaskRecord } from '../../store/types.js';
import { ToolError } from '../../toolkit/errors.js';

/**
 * Task export and import formats: JSON, CSV (RFC 4180) and Markdown
 * checklists. Pure functions, no I/O. Import turns text into loose row
 * objects; the tool validates each row with the same field rules as
 * create_tasks.
 */
export const FORMATS = ['json', 'csv', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export const MIME: Record<Format, string> = { json: 'application/json', csv: 'text/csv', markdown: 'text/markdown' };

/** Columns of a CSV export, in order. Lists (labels, depends_on) are `;`-separated. */
export const EXPORT_COLUMNS = [
  'id',
  'title',
  'status',
  'priority',
  'labels',
  'assignee',
  'due_date',
  'parent_id',
  'depends_on',
  'description',
  'created_at',
  'updated_at',
  'completed_at',
] as const;

export function exportRecord(t: TaskRecord): Record<string, unknown> {
  return {
    id: t.id,
    title: t.title,
    status: t.status,
    priority: t.priority,
    labels: t.labels,
    assignee: t.assignee,
    due_date: t.due_date,
    parent_id: t.parent_id,
    depends_on: t.depends_on,
    description: t.description,
    created_at: t.created_at,
    updated_at: t.updated_at,
    completed_at: t.completed_at,
  };
}

/** Render a chunk of tasks; `first` says whether this chunk opens the document (header). */
export function renderChunk(format: Format, tasks: readonly TaskRecord[], first: boolean): string {
  if (format === 'json') return tasks.map((t) => JSON.stringify(exportRecord(t))).join(',\n');
  if (format === 'csv') {
    const rows = tasks.map((t) => {
      const r = exportRecord(t);
      return EXPORT_COLUMNS.map((c) => csvCell(Array.isArray(r[c]) ? (r[c] as unknown[]).join(';') : r[c])).join(',');
    });
    return (first ? `${EXPORT_COLUMNS.join(',')}\r\n` : '') + rows.map((r) => `${r}\r\n`).join('');
  }
  return tasks.map(markdownLine).join('');
}

/** Wrap rendered chunks into the final document. */
export function wrapDocument(format: Format, chunks: string[], count: number): string {
  if (format === 'json') return `[\n${chunks.filter(Boolean).join(',\n')}\n]\n`;
  if (format === 'markdown') return `# Tasks (${count})\n\n${chunks.join('')}`;
  return chunks.join('') || `${EXPORT_COLUMNS.join(',')}\r\n`;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) || /^[=+\-@\t]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function markdownLine(t: TaskRecord): string {
  const box = t.status === 'done' ? 'x' : ' ';
  const meta = [`#${t.id}`, t.status, t.priority];
  if (t.due_date) meta.push(`due ${t.due_date}`);
  if (t.assignee) meta.push(`@${t.assignee}`);
  for (const l of t.labels) meta.push(`#${l}`);
  if (t.parent_id) meta.push(`subtask of #${t.parent_id}`);
  if (t.depends_on.length > 0) meta.push(`after ${t.depends_on.map((d) => `#${d}`).join(',')}`);
  return `- [${box}] ${t.title.replace(/\n/g, ' ')} <!-- ${meta.join(' · ')} -->\n`;
}

// ---- import ----

/** One imported row before validation: field names of create_tasks items. */
export type Row = Record<string, unknown>;

function bad(message: string, field = 'data'): ToolError {
  return new ToolError('invalid_input', message, { fields: [{ field, message }] });
}

/** Parse import text into rows. @throws ToolError `invalid_input` naming the line for malformed text. */
export function parseRows(format: Format, data: string): Row[] {
  if (format === 'json') return parseJsonRows(data);
  if (format === 'csv') return parseCsvRows(data);
  return parseMarkdownRows(data);
}

function parseJsonRows(data: string): Row[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (error) {
    throw bad(`data is not valid JSON: ${(error as Error).message}`);
  }
  const rows = Array.isArray(parsed) ? parsed : (parsed as { tasks?: unknown })?.tasks;
  if (!Array.isArray(rows)) throw bad('JSON data must be an array of task objects (or {"tasks": [...]})');
  return rows.map((r, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw bad(`row ${i + 1} is not an object`, `row ${i + 1}`);
    const { parent, parent_id, ...rest } = r as Row;
    // Export fields that are not inputs are dropped; `parent` is accepted as a synonym of parent_id.
    const row: Row = {};
    for (const [k, v] of Object.entries(rest)) if (IMPORT_FIELDS.has(k) && v !== null && v !== '') row[k] = v;
    const p = parent_id ?? parent;
    if (p !== null && p !== undefined && p !== '') row.parent_id = p;
    return row;
  });
}

const IMPORT_FIELDS = new Set(['ref', 'title', 'description', 'status', 'priority', 'labels', 'assignee', 'due_date', 'depends_on']);

/** RFC 4180: quoted fields may hold commas, quotes ("") and line breaks. Header row names the columns. */
function parseCsvRows(data: string): Row[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let line = 1;
  for (let i = 0; i < data.length; i++) {
    const c = data[i] as string;
    if (quoted) {
      if (c === '"' && data[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && data[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      line++;
    } else field += c;
  }
  if (quoted) throw bad(`CSV data ends inside a quoted field (opened before line ${line})`);
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const nonEmpty = records.filter((r) => r.some((f) => f.trim() !== ''));
  const [header, ...body] = nonEmpty;
  if (!header) throw bad('CSV data is empty: give a header row (title,status,...) and one row per task');
  const columns = header.map((h) => h.trim().toLowerCase());
  if (!columns.includes('title')) throw bad('CSV header has no title column');
  return body.map((cells) => {
    const row: Row = {};
    columns.forEach((col, i) => {
      const v = (cells[i] ?? '').trim();
      if (v === '') return;
      if (col === 'labels')
        row.labels = v
          .split(/[;|]/)
          .map((s) => s.trim())
          .filter(Boolean);
      else if (col === 'depends_on')
        row.depends_on = v
          .split(/[;|]/)
          .map((s) => idOrRef(s.trim()))
          .filter((s) => s !== '');
      else if (col === 'parent_id' || col === 'parent') row.parent_id = idOrRef(v);
      else if (IMPORT_FIELDS.has(col)) row[col] = v;
    });
    return row;
  });
}

/** In CSV and Markdown a number is an existing task id, anything else the ref of an earlier row. */
function idOrRef(value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * Markdown checklists: every `- [ ] title` / `- [x] title` (also `*`, `+`,
 * numbered) is a task, `[x]` done; an item indented under another becomes its
 * subtask. Other lines are ignored.
 */
function parseMarkdownRows(data: string): Row[] {
  const rows: Row[] = [];
  const stack: Array<{ indent: number; ref: string }> = [];
  for (const raw of data.split(/\r?\n/)) {
    const m = /^(\s*)(?:[-*+]|\d+[.)])\s+\[([ xX])\]\s+(.*)$/.exec(raw);
    if (!m) continue;
    const indent = (m[1] as string).replace(/\t/g, '    ').length;
    const title = (m[3] as string).replace(/\s*<!--.*?-->\s*$/, '').trim();
    while (stack.length > 0 && (stack.at(-1) as { indent: number }).indent >= indent) stack.pop();
    const ref = `md${rows.length + 1}`;
    const row: Row = { ref, title, status: (m[2] as string).toLowerCase() === 'x' ? 'done' : 'todo' };
    const parent = stack.at(-1);
    if (parent) row.parent_id = parent.ref;
    rows.push(row);
    stack.push({ indent, ref });
  }
  if (rows.length === 0) throw bad('no checklist items found: use lines like "- [ ] Write the spec"');
  return rows;
}
