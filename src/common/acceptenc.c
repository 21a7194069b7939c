/* acceptenc.c: the Accept-Encoding rule for gzip (acceptenc.h). The grammar, RFC 9110:
 *   Accept-Encoding = #( codings [ weight ] )
 *   codings = content-coding / "identity" / "*"      (content-coding = token)
 *   weight  = OWS ";" OWS "q=" qvalue
 *   qvalue  = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
 * read by qlist_each (common/qlist.h), which skips an element that does not parse. */
#include "common/acceptenc.h"

#include <strings.h>

#include "common/qlist.h"

struct weights {
        int gzip, star; /* thousandths; -1: not listed */
};

static bool note(const char *name, size_t len, int q, void *ctx)
{
        struct weights *w = ctx;
        if ((len == 4 && !strncasecmp(name, "gzip", 4)) ||
            (len == 6 && !strncasecmp(name, "x-gzip", 6))) {
                if (w->gzip < 0)
                        w->gzip = q;
        } else if (len == 1 && *name == '*') {
                if (w->star < 0)
                        w->star = q;
        }
        return true;
}

bool acceptenc_gzip(const char *value)
{
        if (!value)
                return false;
        struct weights w = {-1, -1};
        qlist_each(value, note, &w);
        return w.gzip >= 0 ? w.gzip > 0 : w.star > 0;
}
