import { keepYoungGenerationSmall } from '../../runtime/young-generation.js';
import { run } from '../deploy.js';

keepYoungGenerationSmall();
await run();
