import { run } from '../deploy.js';

await run();
