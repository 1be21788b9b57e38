// The OCR set, made here: printed words rendered to images in several fonts and sizes, with a
// tinted background and light pixel noise. No download, any size, the same for a given seed.
import { checkAbort, seededRandom, type EvalSet } from './evalSet';
import { imageFromPixels } from './images';

const WORDS = (
  'time year people way day man thing woman life child world school state family student group country problem hand part ' +
  'place case week company system program question work government number night point home water room mother area money ' +
  'story fact month lot right study book eye job word business issue side kind head house service friend father power hour ' +
  'game line end member law car city community name president team minute idea kid body information back parent face others ' +
  'level office door health person art war history party result change morning reason research girl guy moment air teacher ' +
  'force education energy carbon model green river garden window market paper energy light table voice music field'
).split(' ');

/** Families fontconfig resolves on common systems; each renders in whatever the machine has. */
const FONTS = ['DejaVu Sans', 'DejaVu Serif', 'Liberation Mono', 'Liberation Sans', 'sans-serif', 'serif', 'monospace'];
const SIZES = [18, 24, 32, 40];

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

export async function renderedWords(samples: number, seed: number, signal?: AbortSignal): Promise<EvalSet> {
  const sharp = (await import('sharp')).default;
  const rnd = seededRandom(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)];
  const items = [];
  for (let i = 0; i < samples; i++) {
    checkAbort(signal);
    const word = pick(WORDS);
    const font = pick(FONTS);
    const size = pick(SIZES);
    const paper = 215 + Math.floor(rnd() * 40);
    const ink = Math.floor(rnd() * 60);
    const width = Math.ceil(size * 0.75 * word.length + size);
    const height = Math.ceil(size * 1.8);
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect width="100%" height="100%" fill="rgb(${paper},${paper},${paper - 10})"/>` +
      `<text x="${size / 2}" y="${size * 1.3}" font-family="${escapeXml(font)}" font-size="${size}" fill="rgb(${ink},${ink},${ink})">${escapeXml(word)}</text></svg>`;
    const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let inked = 0;
    const pixels = new Uint8ClampedArray(data.length);
    for (let p = 0; p < data.length; p++) {
      if (data[p] < paper - 40) inked++;
      pixels[p] = data[p] + (rnd() - 0.5) * 24;
    }
    if (inked === 0)
      throw new Error(
        'Rendering text produced blank images: no fonts are installed. Install a font package (e.g. fonts-dejavu-core) or use your own image folder.',
      );
    items.push({ id: `word-${i}`, input: await imageFromPixels(pixels, info.width, info.height), reference: word });
  }
  return {
    name: 'rendered-words',
    source: `${WORDS.length} words rendered locally in ${FONTS.length} font families and ${SIZES.length} sizes with pixel noise`,
    items,
    population: WORDS.length,
    seed,
  };
}
