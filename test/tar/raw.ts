// Hand-made tar headers for quirks tar-stream's packer does not write (GNU long names, base-256 sizes, bad checksums).
export function rawHeader(fields: { name: string; type?: string; size?: number; linkname?: string; gnu?: boolean; base256?: boolean }): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.name.slice(0, 100), 0, 'utf8');
  block.write('0000644\0', 100, 'latin1');
  const size = fields.size ?? 0;
  if (fields.base256) {
    block[124] = 0x80;
    let v = size;
    for (let i = 135; i > 124; i--) {
      block[i] = v % 256;
      v = Math.floor(v / 256);
    }
  } else {
    block.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  }
  block.write('00000000000\0', 136, 'latin1');
  block.write(fields.type ?? '0', 156, 'latin1');
  if (fields.linkname) block.write(fields.linkname, 157, 'utf8');
  block.write(fields.gnu ? 'ustar  \0' : 'ustar\u000000', 257, 'latin1');
  return withChecksum(block);
}

export function withChecksum(block: Buffer): Buffer {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return block;
}

export function padTo512(data: Buffer): Buffer {
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([data, Buffer.alloc(pad)]);
}

export const END = Buffer.alloc(1024);
