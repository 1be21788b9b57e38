// What a scanner finds: a value, where it is (offsets of the value without its quotes, so a
// replacement keeps the quoting style), and the key or call it was given to.

export interface Candidate {
  kind: 'model' | 'region';
  value: string;
  /** Offsets into the text: [start, end) of the value itself. */
  start: number;
  end: number;
  /** The key, keyword or function it came from, for the message. */
  key: string;
}

/** Keys whose value names a cloud region or zone: region, location, zone and their variants. */
export function isRegionKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return /(region|regions|location|zone|zones)$/.test(k) || k === 'regionname' || k === 'cloudsdkcomputeregion';
}

/** Keys whose value names a model: model, model_id, base_model, checkpoint, repo_id, ... */
export function isModelKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return /model/.test(k) || /(checkpoint|repoid|pretrained|modelnameorpath|teacher|student|encoder|decoder)$/.test(k);
}

/** A Hugging Face repository id: `name` or `owner/name` (letters, digits, -_.). */
export const HUB_ID = /^[A-Za-z0-9][\w.-]{0,95}(\/[A-Za-z0-9][\w.-]{0,95})?$/;

/** Candidates for a key/value pair; `known` says whether a value is worth reporting at all. */
export function classify(key: string, value: string, start: number, end: number, out: Candidate[]): void {
  if (!value || value.length > 200) return;
  if (isRegionKey(key)) out.push({ kind: 'region', value, start, end, key });
  else if (isModelKey(key) && HUB_ID.test(value)) out.push({ kind: 'model', value, start, end, key });
}
