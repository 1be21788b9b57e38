// When the status item asks for attention (the warning colour): only for a problem the person can
// act on. Estimated power on a machine without counters (most virtual machines and laptops) is
// normal and stays neutral; no location yet is a first step, offered once by a notification.
// No vscode import: unit tests check the rules.

export interface AttentionInput {
  /** Every figure comes from a model: no hardware counter is read. */
  estimatesOnly: boolean;
  /** What opening the power sources found, one line each. */
  notes?: readonly string[];
  /** Why the location set gives no figure (an unknown name, coordinates without live data). */
  intensityProblem?: string;
}

export interface Attention {
  kind: 'counter-unreadable' | 'location-unresolved';
  /** One sentence for the tooltip and the item's accessible name. */
  text: string;
}

/** A counter is here but this user cannot read it: a fix exists (permissions). */
export const counterUnreadable = (notes: readonly string[] = []) =>
  notes.some((n) => /permission denied|sudo|chmod|udev/i.test(n));

/** What needs action, if anything; undefined keeps the item neutral. */
export function statusAttention(s: AttentionInput): Attention | undefined {
  if (s.intensityProblem)
    return { kind: 'location-unresolved', text: `The location set gives no grid figure: ${s.intensityProblem}` };
  if (s.estimatesOnly && counterUnreadable(s.notes))
    return {
      kind: 'counter-unreadable',
      text: 'A power counter is here but this user cannot read it, so every figure is an estimate.',
    };
  return undefined;
}
