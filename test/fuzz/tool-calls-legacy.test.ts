import { describeToolCallFuzz } from './tool-call-fuzz.js';

describeToolCallFuzz('legacy');
