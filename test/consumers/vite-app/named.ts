// Uses one class of the package: a bundle of this holds that class's module and nothing else
// of the package (not the engine, the query built-ins or the backends).
import { CairnError } from 'cairndb';

console.log(new CairnError('db/missing', 'nothing here').code);
