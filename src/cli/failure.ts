// Why a command failed: the line a person reads with its exit code, and for a program that drives
// the CLI (`--events`) the same as a typed event: the kind of thing that failed, the message, and
// what to do. Loaded by main.ts only when a command failed.
import { DatasetError } from '../core/bench/datasets/userSets';
import { ModelFileError } from '../core/bench/promptFit';
import { closest, LookupError } from '../core/carbon/intensity';
import { GpuSelectionError } from '../core/energy/gpuSelection';
import { NvmlError } from '../core/energy/nvml';
import { voices, remedyOf, type MessageRef } from '../core/messages';
import { ProviderError } from '../core/models/cudaProvider';
import { HubError } from '../core/models/hub';
import { describeError, UserError } from '../core/userError';
import type { BenchFailure, FailureKind } from '../protocol';
import type { Command } from './main';
import { UsageError } from './usage';

/** The kind of a catalogued failure: the catalogue says what failed. */
function remedyKind(ref: MessageRef): FailureKind {
  switch (ref.id) {
    case 'hubUnreachable':
      return ref.params.dataset ? 'dataset' : 'model';
    case 'weightsMissing':
      return 'model';
    case 'deviceFailed':
      return 'device';
    default:
      return 'runtime';
  }
}

/** What failed, from the error's class: a usage error here is the caller's (the editor built the arguments). */
export function failureKind(e: unknown): FailureKind {
  const ref = remedyOf(e);
  if (ref) return remedyKind(ref);
  if ((e as Error | null)?.name === 'AbortError') return 'cancelled';
  // A download the person declined, or stopped.
  if (e instanceof UserError && (e.kind === 'cancelled' || e.kind === 'declined')) return 'cancelled';
  if (e instanceof HubError) return e.subject ?? 'model';
  if (e instanceof DatasetError) return 'dataset';
  if (e instanceof ModelFileError) return 'model';
  if (e instanceof GpuSelectionError || e instanceof NvmlError || e instanceof ProviderError) return 'device';
  // The command line was wrong: the caller's mistake (parseArgs throws ERR_PARSE_ARGS_* TypeErrors).
  if (e instanceof UsageError || e instanceof LookupError || e instanceof RangeError) return 'internal';
  if (e instanceof UserError) return 'runtime';
  // JavaScript's own errors are bugs; any other is the run's (onnxruntime, a worker, the disk).
  return e instanceof TypeError || e instanceof ReferenceError || e instanceof SyntaxError ? 'internal' : 'runtime';
}

/** The failure event for `e`, whose message and hint are the line a terminal shows. */
export function failureEvent(e: unknown, message: string, hint?: string): BenchFailure {
  const ref = remedyOf(e);
  const kind = failureKind(e);
  if (ref) {
    const v = voices(ref);
    return { event: 'failed', kind, message: v.detail, hint: v.cli, remedy: ref };
  }
  return { event: 'failed', kind, message, ...(hint && { hint }) };
}

/** An error's message and what to do about it, apart. */
export function messageAndHint(e: unknown): { message: string; hint?: string } {
  const { message, remedy } = describeError(e);
  // A catalogued error's `remedy` is its reference, and its message already says what to do.
  return { message, ...(typeof remedy === 'string' && remedy && { hint: remedy }) };
}

/** The --options a command's help lists. */
const optionNames = (help: string) => [...new Set(help.match(/--[a-z][\w-]*/g) ?? [])];

/** What a failure says and its exit code: 2 for the command line, 130 cancelled, 1 otherwise. */
export function failure(
  e: unknown,
  name: string | undefined,
  command: Command | undefined,
  commands: string[],
): { message: string; hint?: string; code: number } {
  // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options.
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (e instanceof UsageError || code.startsWith('ERR_PARSE_ARGS'))
    return usageFailure(e as Error, name, command, commands);
  // Something named on the command line that does not exist: a place, a dataset, a model.
  if (
    e instanceof LookupError ||
    e instanceof GpuSelectionError ||
    e instanceof RangeError ||
    e instanceof DatasetError ||
    (e instanceof HubError && e.kind === 'not-found')
  )
    return { message: e.message, code: 2 };
  if ((e as Error).name === 'AbortError') return { message: (e as Error).message, code: 130 };
  return { ...messageAndHint(e), code: 1 };
}

/**
 * node's parser's words for an option given without its value, in ours: "--tolerance needs a
 * value" (for `--tolerance` last, or followed by another option, which it calls ambiguous).
 */
function parseArgsText(message: string): string {
  const flag = /^Option '(--[\w-]+)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(message)?.[1];
  return flag ? `${flag} needs a value (one that starts with a dash goes as ${flag}=VALUE).` : message;
}

/** A usage error, with the nearest command or option where one was mistyped, and where help is. */
function usageFailure(
  e: Error,
  name: string | undefined,
  command: Command | undefined,
  commands: string[],
): { message: string; hint: string; code: number } {
  let message = parseArgsText(e.message).replace(/([^.?!])$/, '$1.');
  // "Unknown option '--smaples'.": the nearest option the command has.
  const unknown = /Unknown option '(--[\w-]+)'/.exec(message)?.[1];
  const near =
    unknown && command
      ? closest(
          unknown,
          optionNames(command.help).map((o) => [o, o]),
        )[0]
      : undefined;
  if (!command && name) {
    // A near miss, or the same letters swapped ("benhc").
    const letters = (w: string) => [...w].sort().join('');
    const cmd =
      closest(
        name,
        commands.map((c) => [c, c]),
      )[0] ?? commands.find((c) => letters(c) === letters(name));
    if (cmd) message += ` Did you mean '${cmd}'?`;
  }
  if (near) message += ` Did you mean ${near}?`;
  return { message, hint: `Run 'carbonlens ${command ? `${name} ` : ''}--help' for usage.`, code: 2 };
}
