import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withReference } from '../src/docs/reference.js';

describe('README', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

  it('has a reference section generated from the code (run npm run docs after changing a tool)', () => {
    expect(withReference(readme)).toBe(readme);
  });

  it('starts with what Taskwire is and exactly the two set-up commands', () => {
    expect(readme.indexOf('# Taskwire')).toBe(0);
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test  ');
  });
});
