import { describe, expect, it } from 'vitest';
import { argumentsToValidate, stripNulls } from '../../src/toolkit/strip-nulls.js';

describe('stripNulls (null = not given, for write tools)', () => {
  it('drops null-valued properties and keeps every other value, falsy ones included', () => {
    expect(stripNulls({ id: 1, priority: 'high', assignee: null, due_date: null, parent_id: null })).toEqual({ id: 1, priority: 'high' });
    expect(stripNulls({ a: 0, b: '', c: false, d: [], e: {} })).toEqual({ a: 0, b: '', c: false, d: [], e: {} });
  });

  it('recurses into nested objects and into objects inside arrays', () => {
    const args = {
      tasks: [
        { title: 'a', due_date: null, depends_on: null },
        { title: 'b', meta: { note: null, keep: 1 } },
      ],
      idempotency_key: null,
    };
    expect(stripNulls(args)).toEqual({ tasks: [{ title: 'a' }, { title: 'b', meta: { keep: 1 } }] });
  });

  it('keeps null array elements (a value, which validation reports) and leaves non-objects alone', () => {
    expect(stripNulls({ labels: ['x', null] })).toEqual({ labels: ['x', null] });
    expect(stripNulls(null)).toBeNull();
    expect(stripNulls('text')).toBe('text');
    expect(stripNulls(undefined)).toBeUndefined();
    const date = new Date(0);
    expect((stripNulls({ when: date }) as { when: Date }).when).toBe(date);
  });

  it('never mutates its input', () => {
    const args = { id: 1, assignee: null, nested: { x: null } };
    const before = structuredClone(args);
    stripNulls(args);
    expect(args).toEqual(before);
  });

  it('strips only for write tools: a read-only tool gets its nulls (list_tasks parent_id: null = top level)', () => {
    const args = { parent_id: null, limit: 5 };
    expect(argumentsToValidate({ readOnlyHint: true }, args)).toBe(args);
    expect(argumentsToValidate({ readOnlyHint: false }, args)).toEqual({ limit: 5 });
  });
});
