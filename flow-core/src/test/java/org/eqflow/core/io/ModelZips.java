package org.eqflow.core.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Reads a model file's entries and writes them back with a manifest that matches: a "resealed" file. */
final class ModelZips {
    static final ObjectMapper JSON = new ObjectMapper();

    private ModelZips() {
    }

    /** {@code entries} with one field of {@code config.json} replaced by {@code value}. */
    static Map<String, byte[]> withConfig(Map<String, byte[]> entries, String field, Object value) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(entries.get("config.json"));
        c.set(field, JSON.valueToTree(value));
        Map<String, byte[]> e = new LinkedHashMap<>(entries);
        e.put("config.json", JSON.writeValueAsBytes(c));
        return e;
    }

    /** Writes, as {@code dir/name}, a resealed copy of {@code entries} with one field of {@code config.json} replaced. */
    static java.nio.file.Path fileWithConfig(java.nio.file.Path dir, String name, Map<String, byte[]> entries, String field, Object value)
            throws IOException {
        java.nio.file.Path f = dir.resolve(name);
        java.nio.file.Files.write(f, reseal(withConfig(entries, field, value)));
        return f;
    }

    /** The one-line message with which loading {@code f} is refused (it must start with the file's name). */
    static String refused(java.nio.file.Path f) {
        ModelFileException e = org.junit.jupiter.api.Assertions.assertThrows(ModelFileException.class, () -> ModelFile.loadModel(f));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith(f.toString()) && !e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    /** The entries of a zip, in order. */
    static Map<String, byte[]> entries(byte[] zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    /**
     * A zip of {@code entries} (manifest.json excluded) under a fresh manifest listing all of them, with the
     * model family of the old manifest, if any.
     */
    static byte[] reseal(Map<String, byte[]> entries) throws IOException {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("format", "eqflow-model");
        manifest.put("formatVersion", ModelFile.FORMAT_VERSION);
        if (entries.containsKey("manifest.json")) {
            com.fasterxml.jackson.databind.JsonNode family = JSON.readTree(entries.get("manifest.json")).path("family");
            if (family.isTextual()) {
                manifest.put("family", family.asText());
            }
        }
        ObjectNode list = manifest.putObject("entries");
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            if (!e.getKey().equals("manifest.json")) {
                list.putObject(e.getKey()).put("size", e.getValue().length).put("sha256", sha256(e.getValue()));
            }
        }
        Map<String, byte[]> all = new LinkedHashMap<>();
        all.put("manifest.json", JSON.writeValueAsBytes(manifest));
        entries.forEach((k, v) -> {
            if (!k.equals("manifest.json")) {
                all.put(k, v);
            }
        });
        return zip(all);
    }

    static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
