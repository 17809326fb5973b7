// The EDN module's public surface: representation (./types), reader, printer, JS conversion.
export {
  type EdnValue,
  type ReadOptions,
  type TagReader,
  Keyword,
  Sym,
  List,
  Uuid,
  Tagged,
  keyword,
  symbol,
  isKeyword,
  isSymbol,
  isList,
  isVector,
  isEdnMap,
  isEdnSet,
} from './types.js';
export { readEdn, readEdnAll } from './reader.js';
export { printEdn } from './printer.js';
export { ednToJs, type EdnToJsMode } from './convert.js';
