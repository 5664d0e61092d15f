package dev.skyfn.examples.wordcount;

import java.util.List;

/** The shapes of the data between the steps of the word count. */
public final class Job {

    private Job() {
    }

    public record Document(String name, String text) {
    }

    /** The workflow's input, with the execution id as the job's name. */
    public record Request(String job, List<Document> documents, int chunks, int partitions) {
    }

    /** A mapper's work: one chunk of the text, to count and share out among the partitions. */
    public record Chunk(String job, int index, int partitions, String text) {
    }

    /** A reducer's work: one partition, complete once every chunk has put its share there. */
    public record Partition(String job, int partition, int chunks) {
    }

    public record Plan(String job, List<Chunk> chunks, List<Partition> reducers) {
    }

    public record Mapped(int chunk, long words) {
    }

    public record Reduced(int partition, long words, long distinct, List<WordCount> top) {
    }

    public record WordCount(String word, long count) {
    }

    /** The ephemeral namespace of a job's shuffle, with one child per partition. */
    static String namespace(String job) {
        return "/wordcount/" + job.replaceAll("[^A-Za-z0-9_-]", "_");
    }
}
