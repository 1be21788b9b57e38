// An image a benchmark reads from disk: kept as its path until it is prepared, so decoding is
// part of the measured preparation (as in a deployment, where each request brings encoded bytes)
// and a set of 10,000 photos does not sit decoded in memory.
import type { RawImage } from '@huggingface/transformers';

export class ImageFile {
  constructor(readonly path: string) {}
}

/** The decoded image (transformers.js's RawImage, as RawImage.read decodes it), or the input as it is. */
export async function decodedInput(input: unknown): Promise<unknown> {
  if (!(input instanceof ImageFile)) return input;
  const { RawImage } = await import('@huggingface/transformers');
  return RawImage.read(input.path);
}

/** Every input of a batch decoded, for pipelines that take images (transformers.js's own). */
export const decodedInputs = (inputs: readonly unknown[]): Promise<unknown[]> => Promise.all(inputs.map(decodedInput));

export type ImageSource = RawImage | ImageFile;
