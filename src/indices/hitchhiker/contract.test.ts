import { runIndexContract } from '../contract.js';
import { hitchhikerTree } from './index.js';

runIndexContract('hitchhiker-tree', hitchhikerTree);
