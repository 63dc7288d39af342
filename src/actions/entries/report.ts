import { keepYoungGenerationSmall } from '../../runtime/young-generation.js';
import { run } from '../report.js';

keepYoungGenerationSmall();
await run();
