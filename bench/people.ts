// The classic DataScript benchmark dataset: persons with name, last-name, sex, age, salary
// (5 datoms each), generated from a seed so every run and every engine sees the same data.
// Shared by the Node and browser benchmarks.

import { seededRandom } from '../src/util/random.js';

export interface Person {
  readonly id: number; // 1-based, also the DataScript tempid (negated)
  readonly name: string;
  readonly lastName: string;
  readonly sex: 'male' | 'female';
  readonly age: number;
  readonly salary: number;
}

const NAMES = ['Ivan', 'Petr', 'Sergei', 'Oleg', 'Yuri', 'Dmitry', 'Fedor', 'Denis'];
const LAST_NAMES = ['Ivanov', 'Petrov', 'Sidorov', 'Kovalev', 'Kuznetsov', 'Voronoi'];

export function people(count: number, seed = 42): Person[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    name: rnd.pick(NAMES),
    lastName: rnd.pick(LAST_NAMES),
    sex: rnd.pick(['male', 'female'] as const),
    age: rnd.int(100),
    salary: rnd.int(100_000),
  }));
}

/** CairnDB schema for the dataset (schema on write). */
export const cairnSchema = [
  { 'db/ident': 'name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'last-name', 'db/valueType': 'db.type/string', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'sex', 'db/valueType': 'db.type/keyword', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'salary', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
  { 'db/ident': 'follows', 'db/valueType': 'db.type/ref', 'db/cardinality': 'db.cardinality/many' },
];

/** DataScript schema for the same dataset. */
export const dsSchema = { follows: { ':db/valueType': ':db.type/ref', ':db/cardinality': ':db.cardinality/many' } };

export function cairnEntity(p: Person): Record<string, unknown> {
  return { 'db/id': -p.id, name: p.name, 'last-name': p.lastName, sex: `:${p.sex}`, age: p.age, salary: p.salary };
}

export function dsEntity(p: Person): Record<string, unknown> {
  return { ':db/id': -p.id, name: p.name, 'last-name': p.lastName, sex: `:${p.sex}`, age: p.age, salary: p.salary };
}
