import { run } from '../renew.js';

await run();
