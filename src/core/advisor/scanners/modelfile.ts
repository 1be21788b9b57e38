// An Ollama Modelfile: its FROM line names the model it builds on, by Ollama name
// (`FROM llama3.2:3b`); a FROM of a file (a .gguf, a folder of safetensors) is no name.
import { isOllamaName, type Candidate } from '../candidates';

export function scanModelfile(text: string): Candidate[] {
  const out: Candidate[] = [];
  let start = 0;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const m = /^(\s*FROM\s+)(\S+)\s*$/i.exec(line);
    if (m && !/^[./~]|\.(gguf|bin|safetensors)$/i.test(m[2]!) && isOllamaName(m[2]!, true)) {
      const at = start + m[1]!.length;
      out.push({ kind: 'model', value: m[2]!, start: at, end: at + m[2]!.length, key: 'FROM', ollama: true });
    }
    start += raw.length + 1;
  }
  return out;
}
