// JSON and JSONC (tsconfig-style comments and trailing commas) through jsonc-parser's visitor.
// After the first syntax error nothing more is reported: past it the structure is a guess.
import { visit } from 'jsonc-parser';
import { classify, type Candidate } from '../candidates';

export function scanJson(text: string): Candidate[] {
  const out: Candidate[] = [];
  let broken = false;
  visit(
    text,
    {
      onError: () => {
        broken = true;
      },
      onLiteralValue: (value, offset, length, _line, _col, pathSupplier) => {
        if (broken || typeof value !== 'string') return;
        const path = pathSupplier();
        // The owning property: the last string in the path (an array element's owner too).
        const key = [...path].reverse().find((p): p is string => typeof p === 'string');
        if (key !== undefined) classify(key, value, offset + 1, offset + length - 1, out);
      },
    },
    { allowTrailingComma: true, disallowComments: false },
  );
  return out;
}
