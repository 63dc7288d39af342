import { keepYoungGenerationSmall } from '../../runtime/young-generation.js';
import { run } from '../renew.js';

keepYoungGenerationSmall();
await run();
