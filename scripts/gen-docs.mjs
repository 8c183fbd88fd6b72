// Regenerate the README's reference section from the built code (npm run build first).
import { readFileSync, writeFileSync } from 'node:fs';
import { withReference } from '../dist/docs/reference.js';

const path = new URL('../README.md', import.meta.url);
writeFileSync(path, withReference(readFileSync(path, 'utf8')));
console.error('README.md reference section regenerated');
