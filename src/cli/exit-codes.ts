export const EXIT_OK = 0;
export const EXIT_FATAL = 1;
export const EXIT_USAGE = 2;
export const EXIT_ALERTS = 3;
/** proctree score: some rule's precision or recall is below the command line's minimum. */
export const EXIT_SCORE_BELOW = 4;
