/* lolwut.c - LOLWUT [VERSION n].
 *
 * Stock 7.0 has no art of its own for version 7: LOLWUT (and VERSION n
 * for any n but 5 and 6) answers "Redis ver. <version>" followed by a
 * newline, verbatim ("txt") in RESP3. The art of versions 5 and 6 is not
 * drawn here (known gap): they get the same line.
 */
#include "server.h"

void lolwutCommand(client *c) {
    for (int j = 1; j < c->argc - 1; j++) {
        if (!strcasecmp(c->argv[j]->ptr, "version")) {
            long ver;
            if (getLongFromObjectOrReply(c, c->argv[j + 1], &ver, NULL) != C_OK) return;
            j++;
        }
    }
    char line[64];
    int len = snprintf(line, sizeof(line), "Redis ver. %s\n", REDIS_VERSION);
    addReplyVerbatim(c, line, (size_t)len, "txt");
}
