// The EDN module's public surface: representation (./types), reader, printer, JS conversion.
export {
  type EdnValue, type ReadOptions, type TagReader,
  Keyword, Sym, List, Uuid, Tagged,
  keyword, symbol, isKeyword, isSymbol, isList, isVector, isEdnMap, isEdnSet,
} from './types';
export { readEdn, readEdnAll } from './reader';
export { printEdn } from './printer';
export { ednToJs, type EdnToJsMode } from './convert';
