/*
 * A stand-in for WeCom's libWeWorkFinanceSdk_C.so, for tests of the ctypes binding.
 *
 * It exports the SDK's C API with the exact prototypes of WeWorkFinanceSdk_C.h
 * (wecom-protocol.md §6) and serves prepared data from a directory. The directory is
 * the `secret` argument of Init, so each SDK handle has its own data:
 *
 *   DIR/chatdata.txt     one record per line: "<seq>\t<json object>". The JSON is
 *                        copied verbatim into GetChatData's answer (so a test can serve
 *                        malformed records); <seq> orders and filters the lines.
 *   DIR/media/<fileid>   media bytes, served in chunks (default 512 KB).
 *
 * DecryptData uses a scheme of this fake only (WeCom's is not public): encrypt_msg is
 * the hex of ("FAKE:" + plaintext) XOR the key repeated. A wrong key gives no "FAKE:"
 * prefix and error 10006.
 *
 * Test-only exports count allocations so a test can prove that every Slice_t,
 * MediaData_t and SDK handle was freed exactly once, inject error codes, slow calls
 * down, and detect two calls running on one handle at the same time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct Slice_t {
    char *buf;
    int len;
} Slice_t;

typedef struct MediaData {
    char *outindexbuf;
    int out_len;
    char *data;
    int data_len;
    int is_finish;
} MediaData_t;

typedef struct WeWorkFinanceSdk_t {
    char dir[4096];
    int inited;
    int in_call; /* calls running on this handle right now */
} WeWorkFinanceSdk_t;

enum { KIND_SDK = 1, KIND_SLICE = 2, KIND_MEDIA = 3, KINDS = 4 };

#define MAX_LIVE 4096
#define FAKE_MAGIC "FAKE:"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static void *g_live[MAX_LIVE];
static int g_live_kind[MAX_LIVE];
static int g_live_used;
static long g_allocs[KINDS];
static long g_frees[KINDS];
static long g_bad_frees;
static long g_bad_uses;
static long g_concurrent;
static int g_chunk_size = 512 * 1024;
static int g_delay_ms;
static volatile int g_hold; /* calls wait in enter() while set (FakeHold) */
static long g_held_now;     /* calls waiting there now */
static char g_last_proxy[256];
static int g_last_timeout = -1;

/* Error injection: the next `times` calls of function `fn` return `code`. */
#define MAX_FAULTS 16
static struct {
    char fn[64];
    int code;
    int times;
} g_faults[MAX_FAULTS];

/* ---------------------------------------------------------------- registry */

static void track(void *p, int kind) {
    pthread_mutex_lock(&g_lock);
    g_allocs[kind]++;
    for (int i = 0; i < g_live_used; i++) {
        if (g_live[i] == NULL) {
            g_live[i] = p;
            g_live_kind[i] = kind;
            pthread_mutex_unlock(&g_lock);
            return;
        }
    }
    if (g_live_used < MAX_LIVE) {
        g_live[g_live_used] = p;
        g_live_kind[g_live_used] = kind;
        g_live_used++;
    }
    pthread_mutex_unlock(&g_lock);
}

/* Remove p from the registry; 0 if it was not a live object of that kind. */
static int untrack(void *p, int kind) {
    int found = 0;
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < g_live_used; i++) {
        if (g_live[i] == p && g_live_kind[i] == kind) {
            g_live[i] = NULL;
            g_frees[kind]++;
            found = 1;
            break;
        }
    }
    if (!found) g_bad_frees++;
    pthread_mutex_unlock(&g_lock);
    return found;
}

static int is_live(const void *p, int kind) {
    int found = 0;
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < g_live_used; i++) {
        if (g_live[i] == p && g_live_kind[i] == kind) {
            found = 1;
            break;
        }
    }
    if (!found) g_bad_uses++;
    pthread_mutex_unlock(&g_lock);
    return found;
}

static int take_fault(const char *fn) {
    int code = 0;
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < MAX_FAULTS; i++) {
        if (g_faults[i].times > 0 && strcmp(g_faults[i].fn, fn) == 0) {
            g_faults[i].times--;
            code = g_faults[i].code;
            break;
        }
    }
    pthread_mutex_unlock(&g_lock);
    return code;
}

static void enter(WeWorkFinanceSdk_t *sdk) {
    if (__sync_add_and_fetch(&sdk->in_call, 1) > 1) __sync_add_and_fetch(&g_concurrent, 1);
    if (g_hold) {
        __sync_add_and_fetch(&g_held_now, 1);
        while (g_hold) usleep(1000);
        __sync_sub_and_fetch(&g_held_now, 1);
    }
    if (g_delay_ms > 0) usleep((useconds_t)g_delay_ms * 1000u);
}

static void leave(WeWorkFinanceSdk_t *sdk) { __sync_sub_and_fetch(&sdk->in_call, 1); }

/* ------------------------------------------------------------- test hooks */

int FakeLiveAllocations(void) {
    long live = 0;
    pthread_mutex_lock(&g_lock);
    for (int k = 1; k < KINDS; k++) live += g_allocs[k] - g_frees[k];
    pthread_mutex_unlock(&g_lock);
    return (int)live;
}

int FakeLiveOfKind(int kind) {
    if (kind < 1 || kind >= KINDS) return -1;
    pthread_mutex_lock(&g_lock);
    long live = g_allocs[kind] - g_frees[kind];
    pthread_mutex_unlock(&g_lock);
    return (int)live;
}

long FakeAllocations(int kind) { return (kind >= 1 && kind < KINDS) ? g_allocs[kind] : -1; }
long FakeFrees(int kind) { return (kind >= 1 && kind < KINDS) ? g_frees[kind] : -1; }
long FakeBadFrees(void) { return g_bad_frees; }
long FakeBadUses(void) { return g_bad_uses; }
long FakeConcurrentCalls(void) { return g_concurrent; }
int FakeLastTimeout(void) { return g_last_timeout; }
const char *FakeLastProxy(void) { return g_last_proxy; }

void FakeFailNext(const char *fn, int code, int times) {
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < MAX_FAULTS; i++) {
        if (g_faults[i].times <= 0) {
            snprintf(g_faults[i].fn, sizeof g_faults[i].fn, "%s", fn);
            g_faults[i].code = code;
            g_faults[i].times = times;
            break;
        }
    }
    pthread_mutex_unlock(&g_lock);
}

void FakeSetMediaChunkSize(int size) { g_chunk_size = size > 0 ? size : 512 * 1024; }
void FakeSetDelayMs(int ms) { g_delay_ms = ms; }
void FakeHold(int on) { g_hold = on; }
long FakeHeldCalls(void) { return __sync_add_and_fetch(&g_held_now, 0); }

/* Forget everything except objects still alive (a test checks those separately). */
void FakeReset(void) {
    pthread_mutex_lock(&g_lock);
    for (int k = 0; k < KINDS; k++) g_allocs[k] = g_frees[k] = 0;
    for (int i = 0; i < g_live_used; i++)
        if (g_live[i] != NULL) g_allocs[g_live_kind[i]]++;
    g_bad_frees = g_bad_uses = g_concurrent = 0;
    memset(g_faults, 0, sizeof g_faults);
    g_chunk_size = 512 * 1024;
    g_delay_ms = 0;
    g_last_proxy[0] = '\0';
    g_last_timeout = -1;
    pthread_mutex_unlock(&g_lock);
}

/* ---------------------------------------------------------------- helpers */

static int slice_set(Slice_t *s, const char *data, size_t len) {
    char *buf = malloc(len + 1);
    if (buf == NULL) return 10003;
    memcpy(buf, data, len);
    buf[len] = '\0';
    free(s->buf);
    s->buf = buf;
    s->len = (int)len;
    return 0;
}

typedef struct {
    char *p;
    size_t len, cap;
} Buf;

static int buf_add(Buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL) return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int path_join(char *out, size_t size, const char *dir, const char *name) {
    int n = snprintf(out, size, "%s/%s", dir, name);
    return n > 0 && (size_t)n < size;
}

/* ------------------------------------------------------------ the SDK API */

WeWorkFinanceSdk_t *NewSdk(void) {
    WeWorkFinanceSdk_t *sdk = calloc(1, sizeof *sdk);
    if (sdk != NULL) track(sdk, KIND_SDK);
    return sdk;
}

int Init(WeWorkFinanceSdk_t *sdk, const char *corpid, const char *secret) {
    if (!is_live(sdk, KIND_SDK) || corpid == NULL || secret == NULL || corpid[0] == '\0')
        return 10000;
    int fault = take_fault("Init");
    if (fault) return fault;
    struct stat st;
    if (stat(secret, &st) != 0 || !S_ISDIR(st.st_mode)) return 10004;
    snprintf(sdk->dir, sizeof sdk->dir, "%s", secret);
    sdk->inited = 1;
    return 0;
}

void DestroySdk(WeWorkFinanceSdk_t *sdk) {
    if (untrack(sdk, KIND_SDK)) free(sdk);
}

int GetChatData(WeWorkFinanceSdk_t *sdk, unsigned long long seq, unsigned int limit,
                const char *proxy, const char *passwd, int timeout, Slice_t *chatDatas) {
    (void)passwd;
    if (!is_live(sdk, KIND_SDK) || !sdk->inited) return 10000;
    if (!is_live(chatDatas, KIND_SLICE)) return 10000;
    if (limit == 0 || limit > 1000) return 10000;
    enter(sdk);
    snprintf(g_last_proxy, sizeof g_last_proxy, "%s", proxy ? proxy : "");
    g_last_timeout = timeout;
    int rc = take_fault("GetChatData");
    if (rc) {
        leave(sdk);
        return rc;
    }
    int envelope = take_fault("envelope"); /* a non-zero errcode inside the JSON */
    Buf out = {0};
    char head[128];
    if (envelope) {
        snprintf(head, sizeof head, "{\"errcode\":%d,\"errmsg\":\"injected\",\"chatdata\":[]}",
                 envelope);
        rc = buf_add(&out, head, strlen(head)) ? 10003 : 0;
        goto done;
    }
    if (buf_add(&out, "{\"errcode\":0,\"errmsg\":\"ok\",\"chatdata\":[", 39)) {
        rc = 10003;
        goto done;
    }
    char path[4200];
    if (!path_join(path, sizeof path, sdk->dir, "chatdata.txt")) {
        rc = 10000;
        goto done;
    }
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        unsigned int count = 0;
        while (count < limit && (n = getline(&line, &cap, f)) > 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
            char *tab = strchr(line, '\t');
            if (tab == NULL) continue;
            errno = 0;
            unsigned long long rec = strtoull(line, NULL, 10);
            if (errno != 0 || rec <= seq) continue;
            if ((count > 0 && buf_add(&out, ",", 1)) || buf_add(&out, tab + 1, strlen(tab + 1))) {
                rc = 10003;
                break;
            }
            count++;
        }
        free(line);
        fclose(f);
    }
    if (rc == 0 && buf_add(&out, "]}", 2)) rc = 10003;
done:
    if (rc == 0) rc = slice_set(chatDatas, out.p, out.len);
    free(out.p);
    leave(sdk);
    return rc;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int g_decrypt_in_call;

int DecryptData(const char *encrypt_key, const char *encrypt_msg, Slice_t *msg) {
    if (!is_live(msg, KIND_SLICE)) return 10000;
    if (encrypt_key == NULL || encrypt_key[0] == '\0') return 10008;
    if (encrypt_msg == NULL) return 10000;
    if (__sync_add_and_fetch(&g_decrypt_in_call, 1) > 1) __sync_add_and_fetch(&g_concurrent, 1);
    int rc = take_fault("DecryptData");
    size_t klen = strlen(encrypt_key), hlen = strlen(encrypt_msg), n = hlen / 2;
    char *plain = NULL;
    if (rc) goto done;
    if (hlen % 2 != 0 || n < strlen(FAKE_MAGIC)) {
        rc = 10006;
        goto done;
    }
    plain = malloc(n + 1);
    if (plain == NULL) {
        rc = 10003;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(encrypt_msg[2 * i]), lo = hexval(encrypt_msg[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            rc = 10006;
            goto done;
        }
        plain[i] = (char)(((hi << 4) | lo) ^ (unsigned char)encrypt_key[i % klen]);
    }
    if (memcmp(plain, FAKE_MAGIC, strlen(FAKE_MAGIC)) != 0) {
        rc = 10006;
        goto done;
    }
    rc = slice_set(msg, plain + strlen(FAKE_MAGIC), n - strlen(FAKE_MAGIC));
done:
    free(plain);
    __sync_sub_and_fetch(&g_decrypt_in_call, 1);
    return rc;
}

int GetMediaData(WeWorkFinanceSdk_t *sdk, const char *indexbuf, const char *sdkFileid,
                 const char *proxy, const char *passwd, int timeout, MediaData_t *media_data) {
    (void)passwd;
    if (!is_live(sdk, KIND_SDK) || !sdk->inited) return 10000;
    if (!is_live(media_data, KIND_MEDIA)) return 10000;
    if (sdkFileid == NULL || sdkFileid[0] == '\0' || strchr(sdkFileid, '/') != NULL ||
        strcmp(sdkFileid, "..") == 0 || strcmp(sdkFileid, ".") == 0)
        return 10005;
    enter(sdk);
    snprintf(g_last_proxy, sizeof g_last_proxy, "%s", proxy ? proxy : "");
    g_last_timeout = timeout;
    int rc = take_fault("GetMediaData");
    FILE *f = NULL;
    char *chunk = NULL;
    if (rc) goto done;
    long offset = 0;
    if (indexbuf != NULL && indexbuf[0] != '\0') {
        char *end = NULL;
        if (strncmp(indexbuf, "off=", 4) != 0) {
            rc = 10000;
            goto done;
        }
        offset = strtol(indexbuf + 4, &end, 10);
        if (end == indexbuf + 4 || *end != '\0' || offset < 0) {
            rc = 10000;
            goto done;
        }
    }
    char path[4400], name[300];
    snprintf(name, sizeof name, "media/%s", sdkFileid);
    if (!path_join(path, sizeof path, sdk->dir, name)) {
        rc = 10005;
        goto done;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        rc = 10005;
        goto done;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    if (offset > size) {
        rc = 10000;
        goto done;
    }
    fseek(f, offset, SEEK_SET);
    long want = size - offset < g_chunk_size ? size - offset : g_chunk_size;
    chunk = malloc((size_t)want + 1);
    if (chunk == NULL || fread(chunk, 1, (size_t)want, f) != (size_t)want) {
        rc = 10003;
        goto done;
    }
    char next[64];
    int next_len = snprintf(next, sizeof next, "off=%ld", offset + want);
    /* Replace whatever an earlier call left in this MediaData_t. */
    free(media_data->data);
    free(media_data->outindexbuf);
    media_data->data = chunk;
    media_data->data_len = (int)want;
    chunk = NULL;
    media_data->outindexbuf = strdup(next);
    media_data->out_len = media_data->outindexbuf ? next_len : 0;
    media_data->is_finish = offset + want >= size;
done:
    free(chunk);
    if (f != NULL) fclose(f);
    leave(sdk);
    return rc;
}

Slice_t *NewSlice(void) {
    Slice_t *s = calloc(1, sizeof *s);
    if (s != NULL) track(s, KIND_SLICE);
    return s;
}

void FreeSlice(Slice_t *slice) {
    if (!untrack(slice, KIND_SLICE)) return; /* double free: counted, not crashed */
    free(slice->buf);
    free(slice);
}

char *GetContentFromSlice(Slice_t *slice) { return is_live(slice, KIND_SLICE) ? slice->buf : NULL; }

int GetSliceLen(Slice_t *slice) { return is_live(slice, KIND_SLICE) ? slice->len : -1; }

MediaData_t *NewMediaData(void) {
    MediaData_t *m = calloc(1, sizeof *m);
    if (m != NULL) track(m, KIND_MEDIA);
    return m;
}

void FreeMediaData(MediaData_t *media_data) {
    if (!untrack(media_data, KIND_MEDIA)) return;
    free(media_data->data);
    free(media_data->outindexbuf);
    free(media_data);
}

char *GetOutIndexBuf(MediaData_t *m) { return is_live(m, KIND_MEDIA) ? m->outindexbuf : NULL; }
char *GetData(MediaData_t *m) { return is_live(m, KIND_MEDIA) ? m->data : NULL; }
int GetIndexLen(MediaData_t *m) { return is_live(m, KIND_MEDIA) ? m->out_len : -1; }
int GetDataLen(MediaData_t *m) { return is_live(m, KIND_MEDIA) ? m->data_len : -1; }
int IsMediaDataFinish(MediaData_t *m) { return is_live(m, KIND_MEDIA) ? m->is_finish : -1; }
