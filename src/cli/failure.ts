// Why a command failed, as a typed event for a program that drives the CLI (`--events`): the
// kind of thing that failed, the message, and what to do. The same text a terminal shows.
import { DatasetError } from '../core/bench/datasets/userSets';
import { ModelFileError } from '../core/bench/promptFit';
import { LookupError } from '../core/carbon/intensity';
import { GpuSelectionError } from '../core/energy/gpuSelection';
import { NvmlError } from '../core/energy/nvml';
import { voices, remedyOf, type MessageRef } from '../core/messages';
import { ProviderError } from '../core/models/cudaProvider';
import { HubError } from '../core/models/hub';
import { describeError, UserError } from '../core/userError';
import type { BenchFailure, FailureKind } from '../protocol';
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
