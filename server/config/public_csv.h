/* public_csv: an RFC 4180 reader, one record at a time, that remembers where each field starts (line
 * and character column), for public_sites.c's messages. Not for other modules.
 *
 * Fields are separated by commas, records by CRLF or LF; a field in double quotes may hold commas,
 * line ends and doubled quotes (""). A UTF-8 BOM at the start is skipped. Spaces around an unquoted
 * field are trimmed (a spreadsheet's "a, b"). A record is at most PUBLIC_LINE_MAX bytes. */
#ifndef VIGIE_PUBLIC_CSV_H
#define VIGIE_PUBLIC_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "config/public_sites.h"

#define PUBLIC_CSV_MAX_FIELDS 32

typedef struct {
    const char *val; /* unescaped and NUL-terminated, in the reader's buffer (valid until the next record) */
    int line, col;   /* where the field starts: its first character (the quote of a quoted one), from 1 */
    bool quoted;
} public_csv_field;

typedef struct {
    const char *p, *end, *line_start;
    int line;
    int rec_line;    /* the line the current record starts on */
    char buf[PUBLIC_LINE_MAX + PUBLIC_CSV_MAX_FIELDS + 64];
    size_t used;
    public_csv_field f[PUBLIC_CSV_MAX_FIELDS];
    size_t nf;
} public_csv;

void public_csv_init(public_csv *c, const char *text, size_t len);
/* Reads the next record into c->f (blank lines skipped): 1 for a record, 0 at the end, -1 for an error
 * at (*line, *col) described in msg. After an error the reader goes on at the next line, except after
 * an unterminated quote, which ends the file. */
int public_csv_next(public_csv *c, char *msg, size_t size, int *line, int *col);

#endif
