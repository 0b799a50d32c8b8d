/**
 * Why an action was refused. Each error carries a code (for programs and tests) and the
 * Indonesian text a person reads, taken from the message catalog.
 */
import { refusal, type RefusalCode, type RefusalParams } from '../messages/id.js';

export class WorkflowError<C extends RefusalCode = RefusalCode> extends Error {
  readonly code: C;
  readonly params: RefusalParams<C>;

  constructor(code: C, params: RefusalParams<C>) {
    super(refusal(code, params));
    this.name = 'WorkflowError';
    this.code = code;
    this.params = params;
  }
}

export function refuse<C extends RefusalCode>(code: C, params: RefusalParams<C>): never {
  throw new WorkflowError(code, params);
}

export function isWorkflowError(e: unknown): e is WorkflowError {
  return e instanceof WorkflowError;
}
