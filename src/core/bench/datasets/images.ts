// Images in transformers.js's own type, loaded on first use (it pulls in sharp).
import type { RawImage } from '@huggingface/transformers';

export async function imageFromBytes(bytes: Uint8Array): Promise<RawImage> {
  const { RawImage } = await import('@huggingface/transformers');
  return RawImage.fromBlob(new Blob([bytes as Uint8Array<ArrayBuffer>]));
}

export async function imageFromPixels(rgb: Uint8ClampedArray, width: number, height: number): Promise<RawImage> {
  const { RawImage } = await import('@huggingface/transformers');
  return new RawImage(rgb, width, height, 3);
}
