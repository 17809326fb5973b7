import { runIndexContract } from '../contract.js';
import { persistentSet } from './index.js';

runIndexContract('persistent-set', persistentSet);
