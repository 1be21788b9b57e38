// JSON and JSONC (tsconfig-style comments and trailing commas) through jsonc-parser's visitor.
// After the first syntax error nothing more is reported: past it the structure is a guess.
import { visit } from 'jsonc-parser';
import { classify, type Candidate } from '../candidates';
import { attachContext } from '../roles';

export function scanJson(text: string): Candidate[] {
  const out: Candidate[] = [];
  let broken = false;
  // The keys of each open object (null for an array), for a value's siblings.
  const open: (string[] | null)[] = [];
  visit(
    text,
    {
      onError: () => {
        broken = true;
      },
      onObjectBegin: () => {
        open.push([]);
      },
      onObjectEnd: () => {
        open.pop();
      },
      onArrayBegin: () => {
        open.push(null);
      },
      onArrayEnd: () => {
        open.pop();
      },
      onObjectProperty: (property) => {
        open[open.length - 1]?.push(property);
      },
      onLiteralValue: (value, offset, length, _line, _col, pathSupplier) => {
        if (broken || typeof value !== 'string') return;
        const path = pathSupplier();
        // The owning property: the last string in the path (an array element's owner too).
        const key = [...path].reverse().find((p): p is string => typeof p === 'string');
        if (key === undefined) return;
        const from = out.length;
        classify(key, value, offset + 1, offset + length - 1, out);
        if (out.length === from) return;
        let siblings: string[] = [];
        for (let i = open.length - 1; i >= 0; i--) {
          const o = open[i];
          if (o) {
            siblings = o;
            break;
          }
        }
        const keys = path.filter((p): p is string => typeof p === 'string');
        attachContext(out, from, { path: keys.slice(0, -1), siblings });
      },
    },
    { allowTrailingComma: true, disallowComments: false },
  );
  return out;
}
