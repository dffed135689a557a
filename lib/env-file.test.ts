import { describe, expect, it } from 'vitest';
import { parseEnvFile } from './env-file.js';

describe('parseEnvFile', () => {
  it('reads KEY=VALUE lines, skipping comments and blanks', () => {
    expect(parseEnvFile('# c\n\nA=1\nB="two words"\nC=x=y\n', 'f')).toEqual({ A: '1', B: 'two words', C: 'x=y' });
  });
  it('names file and line of a malformed line', () => {
    expect(() => parseEnvFile('A=1\nnot a pair\n', '/x/secrets.env')).toThrow('/x/secrets.env:2');
  });
});
