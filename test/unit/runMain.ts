import { main } from '../../src/cli/main';

/** Runs the CLI in this process and collects what it prints. */
export async function runMain(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(
    argv,
    (t) => (out += `${t}\n`),
    (t) => (err += `${t}\n`),
  );
  return { code, out, err };
}
