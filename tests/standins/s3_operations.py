# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The S3 operations a device serves (buckets, objects, multipart uploads), as the S3 API reference shapes their
requests and answers; s3_device.py decides which of them a device kind offers and refuses the rest."""

from __future__ import annotations

import base64
import datetime
import hashlib
import re
import uuid
from urllib.parse import quote
from xml.etree import ElementTree
from xml.sax.saxutils import escape

XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


class S3Error(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def http_date(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")


def xml(root, *parts):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<%s xmlns="%s">%s</%s>' % (root, XMLNS, "".join(parts), root)).encode()


def element(name, value):
    return "<%s>%s</%s>" % (name, escape(str(value)), name)


class S3Operations:
    """Mixed into the request handler, which provides ``store``, ``headers``, ``command`` and ``_send``."""

    def _objects(self, bucket):
        with self.store.lock:
            if bucket not in self.store.buckets:
                raise S3Error(404, "NoSuchBucket", "The specified bucket does not exist")
            return self.store.buckets[bucket]

    # --- buckets

    def list_buckets(self, *_args):
        with self.store.lock:
            names = sorted(self.store.buckets)
        buckets = "".join("<Bucket>%s%s</Bucket>" % (element("Name", name), element("CreationDate", iso(created)))
                          for name, created in ((name, self.store.created[name]) for name in names))
        owner = "<Owner>%s%s</Owner>" % (element("ID", "device"), element("DisplayName", "snowball"))
        self._send(200, xml("ListAllMyBucketsResult", owner, "<Buckets>%s</Buckets>" % buckets),
                   {"Content-Type": "application/xml"})

    def head_bucket(self, bucket, *_args):
        self._objects(bucket)
        self._send(200, b"")

    def create_bucket(self, bucket, *_args):
        with self.store.lock:
            self.store.buckets.setdefault(bucket, {})
            self.store.created.setdefault(bucket, datetime.datetime.now(datetime.timezone.utc).timestamp())
        self._send(200, b"", {"Location": "/" + bucket})

    @staticmethod
    def _contents(key, entry):
        data, etag, modified = entry
        return "<Contents>%s%s%s%s%s</Contents>" % (element("Key", key), element("LastModified", iso(modified)),
                                                    element("ETag", etag), element("Size", len(data)),
                                                    element("StorageClass", "STANDARD"))

    def list_objects(self, bucket, _key, query, _body):
        prefix = query.get("prefix", "")
        objects = self._objects(bucket)
        with self.store.lock:
            entries = [(key, entry) for key, entry in objects.items() if key.startswith(prefix)]
        body = xml("ListBucketResult", element("Name", bucket), element("Prefix", prefix), element("Marker", ""),
                   element("MaxKeys", 1000), element("IsTruncated", "false"),
                   *[self._contents(key, entry) for key, entry in entries])
        self._send(200, body, {"Content-Type": "application/xml"})

    def list_objects_v2(self, bucket, _key, query, _body):
        prefix, delimiter = query.get("prefix", ""), query.get("delimiter", "")
        objects = self._objects(bucket)
        with self.store.lock:
            keys = sorted(key for key in objects if key.startswith(prefix))
            entries, prefixes = [], []
            for key in keys:
                rest = key[len(prefix):]
                if delimiter and delimiter in rest:
                    common = prefix + rest.split(delimiter, 1)[0] + delimiter
                    if common not in prefixes:
                        prefixes.append(common)
                else:
                    entries.append(self._contents(key, objects[key]))
        parts = [element("Name", bucket), element("Prefix", prefix), element("KeyCount", len(entries) + len(prefixes)),
                 element("MaxKeys", 1000), element("IsTruncated", "false")]
        if delimiter:
            parts.append(element("Delimiter", delimiter))
        parts += entries + ["<CommonPrefixes>%s</CommonPrefixes>" % element("Prefix", common) for common in prefixes]
        self._send(200, xml("ListBucketResult", *parts), {"Content-Type": "application/xml"})

    # --- objects

    def _store_object(self, bucket, key, data, etag):
        objects = self._objects(bucket)
        with self.store.lock:
            objects[key] = (data, etag, datetime.datetime.now(datetime.timezone.utc).timestamp())

    def put_object(self, bucket, key, _query, body):
        expected = self.headers.get("Content-MD5")
        if expected and expected != base64.b64encode(hashlib.md5(body).digest()).decode():
            raise S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")
        etag = '"%s"' % hashlib.md5(body).hexdigest()
        self._store_object(bucket, key, body, etag)
        self._send(200, b"", {"ETag": etag})

    def get_object(self, bucket, key, _query, _body):
        objects = self._objects(bucket)
        with self.store.lock:
            entry = objects.get(key)
        if entry is None:
            raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
        data, etag, modified = entry
        headers = {"ETag": etag, "Last-Modified": http_date(modified), "Accept-Ranges": "bytes",
                   "Content-Type": "binary/octet-stream"}
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        status = 200
        if match:
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else len(data) - 1, len(data) - 1)
            if start >= len(data):
                raise S3Error(416, "InvalidRange", "The requested range is not satisfiable")
            headers["Content-Range"] = "bytes %d-%d/%d" % (start, end, len(data))
            data, status = data[start:end + 1], 206
        if self.command == "HEAD":
            headers["Content-Length"] = str(len(data))
        self._send(status, data, headers)

    def delete_object(self, bucket, key, *_args):
        objects = self._objects(bucket)
        with self.store.lock:
            objects.pop(key, None)
        self._send(204, b"")

    # --- multipart uploads

    def create_multipart_upload(self, bucket, key, *_args):
        self._objects(bucket)
        upload_id = uuid.uuid4().hex
        with self.store.lock:
            self.store.uploads[upload_id] = {"bucket": bucket, "key": key, "parts": {}}
        self._send(200, xml("InitiateMultipartUploadResult", element("Bucket", bucket), element("Key", key),
                            element("UploadId", upload_id)), {"Content-Type": "application/xml"})

    def _upload(self, bucket, key, query):
        with self.store.lock:
            upload = self.store.uploads.get(query["uploadId"])
        if upload is None or (upload["bucket"], upload["key"]) != (bucket, key):
            raise S3Error(404, "NoSuchUpload", "The specified upload does not exist.")
        return upload

    def upload_part(self, bucket, key, query, body):
        upload = self._upload(bucket, key, query)
        etag = '"%s"' % hashlib.md5(body).hexdigest()
        with self.store.lock:
            upload["parts"][int(query["partNumber"])] = (body, etag)
        self._send(200, b"", {"ETag": etag})

    def complete_multipart_upload(self, bucket, key, query, body):
        upload = self._upload(bucket, key, query)
        try:
            listed = [(int(part.findtext("{*}PartNumber")), part.findtext("{*}ETag"))
                      for part in ElementTree.fromstring(body).iter() if part.tag.endswith("Part")]
        except (ElementTree.ParseError, TypeError, ValueError):
            raise S3Error(400, "MalformedXML", "The XML you provided was not well-formed.") from None
        with self.store.lock:
            parts = upload["parts"]
            if not listed or any(number not in parts or parts[number][1] != etag for number, etag in listed):
                raise S3Error(400, "InvalidPart", "One or more of the specified parts could not be found.")
            data = b"".join(parts[number][0] for number, _etag in listed)
            digest = hashlib.md5(b"".join(bytes.fromhex(parts[number][1].strip('"')) for number, _etag in listed))
            del self.store.uploads[query["uploadId"]]
        etag = '"%s-%d"' % (digest.hexdigest(), len(listed))
        self._store_object(bucket, key, data, etag)
        self._send(200, xml("CompleteMultipartUploadResult", element("Location", "/%s/%s" % (bucket, quote(key))),
                            element("Bucket", bucket), element("Key", key), element("ETag", etag)),
                   {"Content-Type": "application/xml"})

    def abort_multipart_upload(self, bucket, key, query, _body):
        self._upload(bucket, key, query)
        with self.store.lock:
            self.store.uploads.pop(query["uploadId"], None)
        self._send(204, b"")
