// The query workloads of the benchmarks (the classic DataScript ones on the people dataset),
// in CairnDB's EDN and DataScript's JS dialect: run in Node (bench/node/queries.ts) and in the
// worker (bench/browser/read-workloads.ts).

export interface Workload {
  readonly name: string;
  readonly cairn: string; // EDN for CairnDB
  readonly ds: string; // the same query in DataScript's JS dialect (attributes are strings)
  readonly inputs?: readonly unknown[];
  readonly target: number;
}

export const FOLLOWS_RULES_CAIRN = '[[(follows ?x ?y) [?x :follows ?y]] [(follows ?x ?y) [?x :follows ?t] (follows ?t ?y)]]';
export const FOLLOWS_RULES_DS = '[[(follows ?x ?y) [?x "follows" ?y]] [(follows ?x ?y) [?x "follows" ?t] (follows ?t ?y)]]';

export const WORKLOADS: readonly Workload[] = [
  { name: 'q1', cairn: '[:find ?e :where [?e :name "Ivan"]]', ds: '[:find ?e :where [?e "name" "Ivan"]]', target: 10 },
  { name: 'q2', cairn: '[:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a]]', ds: '[:find ?e ?a :where [?e "name" "Ivan"] [?e "age" ?a]]', target: 10 },
  {
    name: 'q2 swapped clauses',
    cairn: '[:find ?e ?a :where [?e :age ?a] [?e :name "Ivan"]]',
    ds: '[:find ?e ?a :where [?e "age" ?a] [?e "name" "Ivan"]]',
    target: 20,
  },
  {
    name: 'q3',
    cairn: '[:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a] [?e :sex :male]]',
    ds: '[:find ?e ?a :where [?e "name" "Ivan"] [?e "age" ?a] [?e "sex" ":male"]]',
    target: 10,
  },
  {
    name: 'q4',
    cairn: '[:find ?e ?l ?a :where [?e :name "Ivan"] [?e :last-name ?l] [?e :age ?a] [?e :sex :male]]',
    ds: '[:find ?e ?l ?a :where [?e "name" "Ivan"] [?e "last-name" ?l] [?e "age" ?a] [?e "sex" ":male"]]',
    target: 10,
  },
  {
    name: 'value join on age',
    cairn: '[:find ?e1 ?e2 :where [?e1 :name "Ivan"] [?e1 :last-name "Ivanov"] [?e1 :age ?a] [?e2 :age ?a] [?e2 :name "Oleg"] [?e2 :last-name "Petrov"]]',
    ds: '[:find ?e1 ?e2 :where [?e1 "name" "Ivan"] [?e1 "last-name" "Ivanov"] [?e1 "age" ?a] [?e2 "age" ?a] [?e2 "name" "Oleg"] [?e2 "last-name" "Petrov"]]',
    target: 20,
  },
  {
    name: 'qpred1 salary > 50000',
    cairn: '[:find ?e ?s :where [?e :salary ?s] [(> ?s 50000)]]',
    ds: '[:find ?e ?s :where [?e "salary" ?s] [(> ?s 50000)]]',
    target: 10,
  },
  {
    name: 'qpred2 salary > ?min (:in)',
    cairn: '[:find ?e ?s :in $ ?min :where [?e :salary ?s] [(> ?s ?min)]]',
    ds: '[:find ?e ?s :in $ ?min :where [?e "salary" ?s] [(> ?s ?min)]]',
    inputs: [50000],
    target: 10,
  },
  {
    name: 'or',
    cairn: '[:find ?e :where (or [?e :name "Ivan"] [?e :name "Oleg"])]',
    ds: '[:find ?e :where (or [?e "name" "Ivan"] [?e "name" "Oleg"])]',
    target: 10,
  },
  {
    name: 'not',
    cairn: '[:find ?e :where [?e :name "Ivan"] (not [?e :sex :male])]',
    ds: '[:find ?e :where [?e "name" "Ivan"] (not [?e "sex" ":male"])]',
    target: 10,
  },
  {
    name: 'aggregate by sex',
    cairn: '[:find ?s (count ?e) (avg ?sal) :where [?e :sex ?s] [?e :salary ?sal]]',
    ds: '[:find ?s (count ?e) (avg ?sal) :where [?e "sex" ?s] [?e "salary" ?sal]]',
    target: 10,
  },
];
