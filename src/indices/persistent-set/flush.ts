// Writing a tree's dirty nodes through a NodeStorage.
//
// A node is dirty until it has an address. Flushing visits only dirty nodes (a clean node's
// whole subtree is clean: an edit copies every node on its path), stores children before their
// parent, because a stored branch names its children by address, and records each new address
// on the node. Flushing a clean tree stores nothing.
//
// Flushed nodes keep their in-memory children, so the flushed value stays fully readable
// without storage. A caller that wants to shed that memory restores a fresh lazy tree from the
// returned address and lets the storage cache decide what stays decoded. An address is valid
// only in the storage that produced it; flushing one tree into two storages is not supported.

import type { Node, Ref } from './node.js';
import type { NodeAddress, NodeStorage } from '../types.js';

export function flushRef<K>(ref: Ref<K>, storage: NodeStorage<K>): NodeAddress {
  return typeof ref === 'string' ? ref : flushNode(ref, storage);
}

function flushNode<K>(node: Node<K>, storage: NodeStorage<K>): NodeAddress {
  if (node.address !== undefined) return node.address;
  let address: NodeAddress;
  if (node.kind === 'leaf') {
    address = storage.store({ kind: 'leaf', keys: node.keys });
  } else {
    const children = node.children;
    const addresses = new Array<NodeAddress>(children.length);
    for (let i = 0; i < children.length; i++) addresses[i] = flushRef(children[i] as Ref<K>, storage);
    address = storage.store({ kind: 'branch', level: node.level, keys: node.keys, children: addresses, counts: node.counts });
  }
  node.address = address;
  return address;
}
