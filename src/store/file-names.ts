// Safe, reversible file names for store keys (the `file` backend).
//
// Encoding: the key's UTF-8 bytes; [a-z0-9_-] stay as they are, every other byte becomes
// `~` plus two lowercase hex digits. So names never contain separators, dots-only names,
// uppercase (case-insensitive file systems would merge `A` and `a`) or characters Windows
// rejects. Names longer than SEGMENT characters are cut into a chain of directories whose
// names end in `+` (a character the encoding never produces, so a directory can never collide
// with a file), the last piece being the file: the path stays under every file-name limit and
// decoding is just joining the pieces.

export const SEGMENT = 200;
const SAFE = /^[a-z0-9_-]$/;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** The file name of a key, before splitting. */
export function encodeName(key: string): string {
  let out = '';
  for (const byte of enc.encode(key)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && SAFE.test(ch) ? ch : `~${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Inverse of `encodeName`; undefined for a name it could not have produced. */
export function decodeName(name: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (ch === '~') {
      const hex = name.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (SAFE.test(ch)) {
      bytes.push(ch.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  try {
    return dec.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}

/** Path pieces for a key: zero or more `…+` directories, then the file name. */
export function keyToPath(key: string): string[] {
  const name = encodeName(key);
  const pieces: string[] = [];
  let i = 0;
  for (; name.length - i > SEGMENT; i += SEGMENT) pieces.push(`${name.slice(i, i + SEGMENT)}+`);
  pieces.push(name.slice(i));
  return pieces;
}

/** Inverse of `keyToPath`. */
export function pathToKey(pieces: readonly string[]): string | undefined {
  let name = '';
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    const isDir = i < pieces.length - 1;
    if (isDir !== p.endsWith('+')) return undefined;
    name += isDir ? p.slice(0, -1) : p;
  }
  return decodeName(name);
}
