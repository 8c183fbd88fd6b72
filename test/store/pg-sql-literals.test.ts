import { describe, expect, it } from 'vitest';
import { countLiteral, intLiteral } from '../../src/store/postgres/sql-literals.js';

describe('integers written into PostgreSQL query text', () => {
  it('keeps the integer part and never writes anything but digits (and a minus sign for a bound)', () => {
    expect(intLiteral(42)).toBe('42');
    expect(intLiteral(-3.7)).toBe('-3');
    expect(intLiteral(Number.NaN)).toBe('0');
    expect(intLiteral(Number.POSITIVE_INFINITY)).toBe('0');
  });

  it('a row count is never below 0', () => {
    expect(countLiteral(20.9)).toBe('20');
    expect(countLiteral(-5)).toBe('0');
    expect(countLiteral(Number.NaN)).toBe('0');
  });
});
