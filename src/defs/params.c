/* params.c: instance parameters as a flat JSON object (see params.h), read with libyaml
 * (a JSON object is a YAML flow mapping). */
#include "defs/params.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/json.h"

void def_map_release(struct def_map *m)
{
        for (size_t i = 0; i < m->n; i++) {
                free(m->keys[i]);
                free(m->vals[i]);
        }
        free(m->keys);
        free(m->vals);
        memset(m, 0, sizeof(*m));
}

static int add(struct def_map *m, const char *k, const char *v)
{
        char **keys = realloc(m->keys, (m->n + 1) * sizeof(*keys));
        if (keys)
                m->keys = keys;
        char **vals = realloc(m->vals, (m->n + 1) * sizeof(*vals));
        if (vals)
                m->vals = vals;
        if (!keys || !vals)
                return BATCH_ENOMEM;
        m->keys[m->n] = strdup(k);
        m->vals[m->n] = strdup(v);
        m->n++;
        return m->keys[m->n - 1] && m->vals[m->n - 1] ? 0 : BATCH_ENOMEM;
}

int params_parse(const char *text, struct def_map *ret, struct batch_err *reterr)
{
        memset(ret, 0, sizeof(*ret));
        if (!text || !*text)
                return 0;
        yaml_parser_t p;
        yaml_document_t doc;
        if (!yaml_parser_initialize(&p))
                return BATCH_ENOMEM;
        yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
        int rc = 0;
        if (!yaml_parser_load(&p, &doc)) {
                rc = batch_err_set(reterr, BATCH_ESYNTAX, "parameters",
                                   "parameters: %s at offset %zu",
                                   p.problem ? p.problem : "not valid JSON",
                                   p.problem_mark.index);
                yaml_parser_delete(&p);
                return rc;
        }
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (root && root->type != YAML_MAPPING_NODE)
                rc = batch_err_set(reterr, BATCH_ESYNTAX, "parameters",
                                   "parameters must be an object of strings");
        for (yaml_node_pair_t *pr = root && !rc ? root->data.mapping.pairs.start : NULL;
             pr && pr < root->data.mapping.pairs.top && rc == 0; pr++) {
                yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
                yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
                if (!k || !v || k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE)
                        rc = batch_err_set(reterr, BATCH_ESYNTAX, "parameters",
                                           "parameters must be an object of strings");
                else
                        rc = add(ret, (const char *)k->data.scalar.value,
                                 (const char *)v->data.scalar.value);
        }
        yaml_document_delete(&doc);
        yaml_parser_delete(&p);
        if (rc < 0)
                def_map_release(ret);
        return rc;
}

void params_format(const struct def_map *m, struct buf *b)
{
        buf_puts(b, "{");
        for (size_t i = 0; i < m->n; i++) {
                buf_puts(b, i ? ", " : "");
                json_put_string(b, m->keys[i]);
                buf_puts(b, ": ");
                json_put_string(b, m->vals[i]);
        }
        buf_puts(b, "}");
}
