// JavaScript and TypeScript that call Ollama: Ollama's JS client (`ollama.chat({ model: '...' })`)
// and LangChain's `new ChatOllama({ model: '...' })`. Only files that name Ollama are read, and
// only a `model:` (or `model =`) string literal: the model ids of other clients are not judged.
import { classify, type Candidate } from '../candidates';

const MODEL_LITERAL = /\bmodel\s*[:=]\s*(['"`])([^'"`\n\\$]{1,200})\1/g;

export function scanJavaScript(text: string): Candidate[] {
  if (!/\bollama\b|ChatOllama|OllamaEmbeddings/i.test(text)) return [];
  const out: Candidate[] = [];
  for (const m of text.matchAll(MODEL_LITERAL)) {
    const start = m.index! + m[0].length - m[2]!.length - 1;
    const found: Candidate[] = [];
    classify('model', m[2]!, start, start + m[2]!.length, found);
    out.push(...found.filter((c) => c.ollama));
  }
  return out;
}
