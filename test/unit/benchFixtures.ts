// Evaluation data shaped like the hub's parquet copies of CIFAR-10 and CNN/DailyMail (same
// columns and types, a struct {bytes, path} for images), small enough to make in a test.
import { CIFAR10_CLASSES } from '../../src/core/bench/labels';

export async function cifarParquet(rows: number): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const images = [];
  for (let i = 0; i < rows; i++) {
    const png = await sharp({
      create: {
        width: 32,
        height: 32,
        channels: 3,
        background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 },
      },
    })
      .png()
      .toBuffer();
    images.push({ bytes: new Uint8Array(png), path: `${i}.png` });
  }
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'img', data: images },
      { name: 'label', data: images.map((_, i) => BigInt(i % CIFAR10_CLASSES.length)) },
    ],
    schema: [
      { name: 'schema', num_children: 2 },
      { name: 'img', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'label', type: 'INT64', repetition_type: 'OPTIONAL' },
    ],
  });
  return Buffer.from(buffer);
}

export async function newsParquet(rows: number): Promise<Buffer> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const articles = Array.from(
    { length: rows },
    (_, i) =>
      `article ${i}: the council approved a new solar farm near the river, which will power ${i + 2} thousand homes from next year.`,
  );
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'article', data: articles, type: 'STRING' },
      {
        name: 'highlights',
        data: articles.map((_, i) => `council approves solar farm for ${i + 2} thousand homes`),
        type: 'STRING',
      },
      { name: 'id', data: articles.map((_, i) => `id${i}`), type: 'STRING' },
    ],
  });
  return Buffer.from(buffer);
}
