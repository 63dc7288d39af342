import { run } from '../report.js';

await run();
