import { MemoryStore } from '../../src/index/memory-store.js';
import { storeConformance } from './store-conformance.js';

storeConformance('MemoryStore', async () => new MemoryStore());
