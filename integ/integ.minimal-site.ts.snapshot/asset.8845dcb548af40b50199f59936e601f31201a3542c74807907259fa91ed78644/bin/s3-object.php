<?php
// One S3 object, streamed, for the site import and export tasks (no AWS CLI in the image):
//   s3-object.php head s3://bucket/key   prints the object's size in bytes; exit 4 when it cannot be read
//   s3-object.php get  s3://bucket/key   writes the object to stdout (resumes with a Range request after a network error)
//   s3-object.php put  s3://bucket/key   uploads stdin (multipart above one part); prints "<bytes> <sha256>"
// Progress goes to stderr every MOODLE_S3_PROGRESS_SECONDS (default 15).
// Credentials, in the SDKs' order: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN), else the ECS task role
// (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, or _FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN). Region: AWS_REGION.
// MOODLE_S3_ENDPOINT (an S3-compatible server, path-style addressing) is for tests.

const EXIT_UNREADABLE = 4;

function s3_fail(string $message, int $code = 1): never {
    fwrite(STDERR, "s3-object: $message\n");
    exit($code);
}

/** AWS Signature Version 4 of one request: the headers to send (Authorization included). */
function sigv4_headers(string $method, string $host, string $uri, array $query, array $headers, string $payloadHash,
        array $credentials, string $region, int $time): array {
    $date = gmdate('Ymd\THis\Z', $time);
    $day = substr($date, 0, 8);
    $headers = array_change_key_case($headers + ['host' => $host, 'x-amz-date' => $date, 'x-amz-content-sha256' => $payloadHash]);
    if (!empty($credentials['token'])) {
        $headers['x-amz-security-token'] = $credentials['token'];
    }
    ksort($headers);
    ksort($query);
    $canonicalQuery = implode('&', array_map(fn ($k, $v) => rawurlencode($k) . '=' . rawurlencode($v), array_keys($query), $query));
    $canonicalHeaders = implode('', array_map(fn ($k, $v) => "$k:" . trim($v) . "\n", array_keys($headers), $headers));
    $signedHeaders = implode(';', array_keys($headers));
    $request = implode("\n", [$method, $uri, $canonicalQuery, $canonicalHeaders, $signedHeaders, $payloadHash]);
    $scope = "$day/$region/s3/aws4_request";
    $toSign = implode("\n", ['AWS4-HMAC-SHA256', $date, $scope, hash('sha256', $request)]);
    $key = 'AWS4' . $credentials['secret'];
    foreach ([$day, $region, 's3', 'aws4_request'] as $part) {
        $key = hash_hmac('sha256', $part, $key, true);
    }
    $headers['authorization'] = "AWS4-HMAC-SHA256 Credential={$credentials['key']}/$scope, SignedHeaders=$signedHeaders, Signature="
        . hash_hmac('sha256', $toSign, $key);
    unset($headers['host']);
    return $headers;
}

final class S3Object {
    private ?array $credentials = null;
    private int $lastProgress = 0;

    public function __construct(private string $bucket, private string $key, private string $region, private ?string $endpoint) {
    }

    public static function fromUrl(string $url): self {
        if (!preg_match('#^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(.+)$#', $url, $m)) {
            s3_fail("'$url' is not an s3://bucket/key address", 2);
        }
        $region = getenv('AWS_REGION') ?: getenv('AWS_DEFAULT_REGION') ?: s3_fail('AWS_REGION is not set', 2);
        return new self($m[1], $m[2], $region, getenv('MOODLE_S3_ENDPOINT') ?: null);
    }

    public function address(): string {
        return "s3://{$this->bucket}/{$this->key}";
    }

    /** The object's size; exits EXIT_UNREADABLE when S3 refuses (a missing object reads as 403 without s3:ListBucket). */
    public function size(): int {
        [$status, $headers, $body] = $this->request('HEAD', []);
        if ($status !== 200) {
            $why = match ($status) {
                404 => 'it does not exist',
                403 => 'access denied: it does not exist, or the task role may not read it (s3:GetObject, and kms:Decrypt for a KMS-encrypted bucket)',
                0 => 'no answer from S3: ' . ($headers['curl-error'] ?? 'network error'),
                default => "S3 answered $status",
            };
            s3_fail("cannot read {$this->address()}: $why", EXIT_UNREADABLE);
        }
        return (int) ($headers['content-length'] ?? 0);
    }

    public function get($out): void {
        $total = $this->size();
        $written = 0;
        for ($attempt = 1; ; $attempt++) {
            $status = 0;
            $error = '';
            $range = $written > 0 ? ['range' => "bytes=$written-"] : [];
            $ch = $this->handle('GET', [], $range, hash('sha256', ''));
            curl_setopt($ch, CURLOPT_HEADERFUNCTION, function ($ch, $line) use (&$status) {
                if (preg_match('#^HTTP/\S+\s+(\d+)#', $line, $m)) {
                    $status = (int) $m[1];
                }
                return strlen($line);
            });
            curl_setopt($ch, CURLOPT_WRITEFUNCTION, function ($ch, $data) use (&$status, &$written, &$error, $out, $total) {
                if ($status !== 200 && $status !== 206) {
                    $error .= $data;
                    return strlen($data);
                }
                if (fwrite($out, $data) !== strlen($data)) {
                    return 0;
                }
                $written += strlen($data);
                $this->progress('read', $written, $total);
                return strlen($data);
            });
            $ok = curl_exec($ch);
            $curlError = curl_error($ch);
            if ($ok && ($status === 200 || $status === 206) && $written === $total) {
                $this->progress('read', $written, $total, true);
                return;
            }
            if ($status >= 400 && $status < 500) {
                s3_fail("reading {$this->address()}: S3 answered $status " . self::errorCode($error), EXIT_UNREADABLE);
            }
            if ($attempt >= 5) {
                s3_fail("reading {$this->address()} failed after $attempt attempts at byte $written of $total: " . ($curlError ?: "HTTP $status"));
            }
            fwrite(STDERR, "s3-object: reading {$this->address()} stopped at byte $written ($curlError); resuming\n");
            sleep(2 * $attempt);
        }
    }

    /**
     * Uploads the stream; returns [bytes, sha256]. Parts of 64 MiB, 128 MiB from part 1,001 and 256 MiB from part 2,001:
     * S3's 10,000 parts hold 2.1 TiB, with one part in memory at a time.
     */
    public function put($in): array {
        $base = max(5, (int) (getenv('MOODLE_S3_PART_MIB') ?: 64)) * 1024 * 1024;
        $hash = hash_init('sha256');
        $total = 0;
        $uploadId = null;
        $parts = [];
        // s3_fail() exits, which skips finally blocks; shutdown functions still run (also after a fatal error).
        register_shutdown_function(function () use (&$uploadId) {
            if ($uploadId !== null) {
                $this->request('DELETE', ['uploadId' => $uploadId]);
            }
        });
        for ($number = 1; ; $number++) {
            unset($chunk);
            $chunk = self::readFully($in, $base * min(4, 2 ** intdiv($number - 1, 1000)));
            hash_update($hash, $chunk);
            $total += strlen($chunk);
            $last = strlen($chunk) === 0 || feof($in);
            if ($number === 1 && $last) {
                $this->expect('PUT', [], $chunk, 200, 'PutObject');
                break;
            }
            if ($uploadId === null) {
                $body = $this->expect('POST', ['uploads' => ''], '', 200, 'CreateMultipartUpload');
                $uploadId = (string) simplexml_load_string($body)->UploadId;
            }
            if (strlen($chunk) > 0 || $number === 1) {
                $headers = $this->expect('PUT', ['partNumber' => (string) $number, 'uploadId' => $uploadId], $chunk, 200, "UploadPart $number", true);
                $parts[$number] = $headers['etag'];
            }
            $this->progress('wrote', $total, null);
            if ($last) {
                $xml = '<CompleteMultipartUpload>' . implode('', array_map(fn ($n, $etag) =>
                    "<Part><PartNumber>$n</PartNumber><ETag>" . htmlspecialchars($etag, ENT_XML1) . '</ETag></Part>', array_keys($parts), $parts))
                    . '</CompleteMultipartUpload>';
                $body = $this->expect('POST', ['uploadId' => $uploadId], $xml, 200, 'CompleteMultipartUpload');
                // S3 may answer 200 and report an error in the body.
                if (str_contains($body, '<Error>')) {
                    s3_fail("CompleteMultipartUpload of {$this->address()}: " . self::errorCode($body));
                }
                $uploadId = null;
                break;
            }
        }
        $this->progress('wrote', $total, null, true);
        return [$total, hash_final($hash)];
    }

    private static function readFully($in, int $length): string {
        $data = '';
        while (strlen($data) < $length && !feof($in)) {
            $read = fread($in, min(8 * 1024 * 1024, $length - strlen($data)));
            if ($read === false) {
                s3_fail('cannot read the stream to upload');
            }
            $data .= $read;
        }
        return $data;
    }

    private function progress(string $verb, int $bytes, ?int $total, bool $done = false): void {
        $every = (int) (getenv('MOODLE_S3_PROGRESS_SECONDS') ?: 15);
        if (!$done && time() - $this->lastProgress < $every) {
            return;
        }
        $this->lastProgress = time();
        $mib = fn (int $b) => number_format($b / 1048576, 1, '.', '');
        $of = $total ? sprintf(' of %s MiB (%d%%)', $mib($total), $total > 0 ? intdiv($bytes * 100, $total) : 100) : '';
        fwrite(STDERR, "s3-object: {$this->address()}: $verb {$mib($bytes)} MiB$of" . ($done ? ', done' : '') . "\n");
    }

    private static function errorCode(string $body): string {
        return preg_match('#<Code>([^<]+)</Code>#', $body, $m) ? $m[1] : trim(substr($body, 0, 200));
    }

    /** A request that must answer $expected (retried on 5xx and network errors); its body, or its headers. */
    private function expect(string $method, array $query, string $body, int $expected, string $what, bool $wantHeaders = false) {
        for ($attempt = 1; ; $attempt++) {
            [$status, $headers, $response] = $this->request($method, $query, $body);
            if ($status === $expected) {
                return $wantHeaders ? $headers : $response;
            }
            if (($status !== 0 && $status < 500) || $attempt >= 5) {
                s3_fail("$what of {$this->address()}: " . ($status === 0 ? 'no answer from S3: ' . ($headers['curl-error'] ?? '') : "S3 answered $status " . self::errorCode($response)));
            }
            sleep(2 * $attempt);
        }
    }

    private function request(string $method, array $query, string $body = ''): array {
        $headers = [];
        // A body's type is set: curl's default (form data) is one an HTTP server may parse and swallow.
        $type = str_starts_with($body, '<') ? 'application/xml' : 'application/octet-stream';
        $ch = $this->handle($method, $query, $body === '' ? [] : ['content-length' => (string) strlen($body), 'content-type' => $type],
            hash('sha256', $body));
        if ($body !== '') {
            curl_setopt($ch, CURLOPT_POSTFIELDS, $body);
        }
        curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
        curl_setopt($ch, CURLOPT_HEADERFUNCTION, function ($ch, $line) use (&$headers) {
            if (str_contains($line, ':')) {
                [$name, $value] = explode(':', $line, 2);
                $headers[strtolower(trim($name))] = trim($value);
            }
            return strlen($line);
        });
        $response = curl_exec($ch);
        if ($response === false) {
            $headers['curl-error'] = curl_error($ch);
        }
        return [$response === false ? 0 : curl_getinfo($ch, CURLINFO_RESPONSE_CODE), $headers, (string) $response];
    }

    private function handle(string $method, array $query, array $headers, string $payloadHash) {
        $path = '/' . implode('/', array_map('rawurlencode', explode('/', $this->key)));
        if ($this->endpoint !== null) {
            $base = rtrim($this->endpoint, '/');
            $host = parse_url($base, PHP_URL_HOST) . (parse_url($base, PHP_URL_PORT) ? ':' . parse_url($base, PHP_URL_PORT) : '');
            $uri = "/{$this->bucket}$path";
        } else if (str_contains($this->bucket, '.')) {
            // A dotted name does not match the wildcard certificate of virtual-hosted addresses.
            $host = "s3.{$this->region}.amazonaws.com";
            $base = "https://$host";
            $uri = "/{$this->bucket}$path";
        } else {
            $host = "{$this->bucket}.s3.{$this->region}.amazonaws.com";
            $base = "https://$host";
            $uri = $path;
        }
        $signed = sigv4_headers($method, $host, $uri, $query, $headers, $payloadHash, $this->credentials(), $this->region, time());
        $queryString = implode('&', array_map(fn ($k, $v) => $v === '' ? rawurlencode($k) : rawurlencode($k) . '=' . rawurlencode($v), array_keys($query), $query));
        $ch = curl_init(preg_replace('#^(https?://[^/]+).*$#', '$1', $base) . $uri . ($queryString === '' ? '' : "?$queryString"));
        curl_setopt_array($ch, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_NOBODY => $method === 'HEAD',
            CURLOPT_HTTPHEADER => array_map(fn ($k, $v) => "$k: $v", array_keys($signed), $signed),
            CURLOPT_PROTOCOLS => $this->endpoint !== null ? CURLPROTO_HTTPS | CURLPROTO_HTTP : CURLPROTO_HTTPS,
            CURLOPT_CONNECTTIMEOUT => 20,
            // A stalled transfer (under 1 KiB/s for a minute) fails and is retried.
            CURLOPT_LOW_SPEED_LIMIT => 1024,
            CURLOPT_LOW_SPEED_TIME => 60,
        ]);
        return $ch;
    }

    /** The credentials, fetched again five minutes before the task role's expire (a long upload outlives them). */
    private function credentials(): array {
        if ($this->credentials !== null && ($this->credentials['expires'] ?? PHP_INT_MAX) > time() + 300) {
            return $this->credentials;
        }
        if (getenv('AWS_ACCESS_KEY_ID') && getenv('AWS_SECRET_ACCESS_KEY')) {
            return $this->credentials = ['key' => getenv('AWS_ACCESS_KEY_ID'), 'secret' => getenv('AWS_SECRET_ACCESS_KEY'),
                'token' => getenv('AWS_SESSION_TOKEN') ?: null];
        }
        $relative = getenv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI');
        $url = $relative ? "http://169.254.170.2$relative" : getenv('AWS_CONTAINER_CREDENTIALS_FULL_URI');
        if (!$url) {
            s3_fail('no AWS credentials: not in an ECS task (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) and no AWS_ACCESS_KEY_ID', 2);
        }
        $ch = curl_init($url);
        $token = getenv('AWS_CONTAINER_AUTHORIZATION_TOKEN');
        curl_setopt_array($ch, [CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 10,
            CURLOPT_HTTPHEADER => $token ? ["Authorization: $token"] : []]);
        $json = json_decode((string) curl_exec($ch), true);
        if (!is_array($json) || empty($json['AccessKeyId'])) {
            s3_fail("the container credentials endpoint $url gave no credentials", 2);
        }
        return $this->credentials = ['key' => $json['AccessKeyId'], 'secret' => $json['SecretAccessKey'], 'token' => $json['Token'] ?? null,
            'expires' => isset($json['Expiration']) ? strtotime($json['Expiration']) : PHP_INT_MAX];
    }
}

if (realpath($_SERVER['SCRIPT_FILENAME'] ?? '') === __FILE__) {
    [$command, $url] = array_slice($argv, 1, 2) + [null, null];
    if (!in_array($command, ['head', 'get', 'put'], true) || $url === null) {
        s3_fail('usage: s3-object.php head|get|put s3://bucket/key', 2);
    }
    $object = S3Object::fromUrl($url);
    match ($command) {
        'head' => print($object->size() . "\n"),
        'get' => $object->get(STDOUT),
        'put' => print(implode(' ', $object->put(STDIN)) . "\n"),
    };
}
