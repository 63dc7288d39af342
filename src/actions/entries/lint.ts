import { keepYoungGenerationSmall } from '../../runtime/young-generation.js';
import { run } from '../lint.js';

keepYoungGenerationSmall();
await run();
