import { keepYoungGenerationSmall } from '../../runtime/young-generation.js';
import { run } from '../main.js';

keepYoungGenerationSmall();
await run();
