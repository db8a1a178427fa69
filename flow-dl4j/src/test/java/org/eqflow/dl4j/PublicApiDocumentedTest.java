package org.eqflow.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ModifiersTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Every public type of flow-core and flow-dl4j, and every public or protected constructor, method and field of
 * one, has a Javadoc comment (an overriding method inherits its supertype's; record components are documented
 * by the record's {@code @param} tags; enum constants by their enum). The build's javadoc run checks the comments'
 * syntax, HTML and references; this test checks that they exist.
 */
class PublicApiDocumentedTest {
    @Test
    void everyPublicDeclarationHasJavadoc() throws IOException {
        List<String> missing = new ArrayList<>();
        for (String module : new String[] {"../flow-core/src/main/java", "src/main/java"}) {
            missing.addAll(undocumented(Path.of(module)));
        }
        assertEquals(List.of(), missing, missing.size() + " public declarations without Javadoc");
    }

    private static List<String> undocumented(Path root) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(p -> p.toString().endsWith(".java") && !p.endsWith("package-info.java")).sorted().toList();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> out = new ArrayList<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
            Iterable<? extends JavaFileObject> units = fm.getJavaFileObjectsFromPaths(files);
            JavacTask task = (JavacTask) javac.getTask(null, fm, d -> { }, List.of("-proc:none"), null, units);
            DocTrees docs = DocTrees.instance(task);
            for (CompilationUnitTree unit : task.parse()) {
                String source = unit.getSourceFile().getCharContent(true).toString();
                new TreePathScanner<Void, Void>() {
                    @Override
                    public Void visitClass(ClassTree c, Void v) {
                        if (!exported(c.getModifiers(), getCurrentPath())) {
                            return null;   // nor anything inside it
                        }
                        check(c.getSimpleName().toString());
                        return super.visitClass(c, v);
                    }

                    @Override
                    public Void visitMethod(MethodTree m, Void v) {
                        boolean override = m.getModifiers().getAnnotations().stream()
                                .anyMatch(a -> a.getAnnotationType().toString().equals("Override"));
                        boolean compactConstructor = m.getName().contentEquals("<init>") && enclosingKind() == Tree.Kind.RECORD
                                && !declaration(m).contains("(");
                        if (!override && !compactConstructor && member(m.getModifiers())) {
                            check(m.getName().contentEquals("<init>") ? "constructor" : m.getName() + "()");
                        }
                        return null;
                    }

                    @Override
                    public Void visitVariable(VariableTree f, Void v) {
                        if (getCurrentPath().getParentPath().getLeaf() instanceof ClassTree && member(f.getModifiers())) {
                            check(f.getName().toString());
                        }
                        return null;
                    }

                    /** The source from the declaration's start to its body's brace. */
                    private String declaration(MethodTree m) {
                        int from = (int) docs.getSourcePositions().getStartPosition(unit, m);
                        int to = m.getBody() == null ? from : (int) docs.getSourcePositions().getStartPosition(unit, m.getBody());
                        return source.substring(from, Math.max(from, to));
                    }

                    private Tree.Kind enclosingKind() {
                        return getCurrentPath().getParentPath().getLeaf().getKind();
                    }

                    /** Public or protected, or a member of an interface (implicitly public); not an enum constant. */
                    private boolean member(ModifiersTree mods) {
                        Tree.Kind owner = enclosingKind();
                        if (owner == Tree.Kind.ENUM && getCurrentPath().getLeaf() instanceof VariableTree f
                                && f.getInitializer() instanceof NewClassTree n && n.getIdentifier().toString()
                                .equals(((ClassTree) getCurrentPath().getParentPath().getLeaf()).getSimpleName().toString())) {
                            return false;   // an enum constant (only a constant creates its enum)
                        }
                        if (owner == Tree.Kind.INTERFACE || owner == Tree.Kind.ANNOTATION_TYPE) {
                            return !mods.getFlags().contains(Modifier.PRIVATE);
                        }
                        return mods.getFlags().contains(Modifier.PUBLIC) || mods.getFlags().contains(Modifier.PROTECTED);
                    }

                    private boolean exported(ModifiersTree mods, TreePath path) {
                        Tree parent = path.getParentPath().getLeaf();
                        if (parent instanceof ClassTree pc && (pc.getKind() == Tree.Kind.INTERFACE)) {
                            return !mods.getFlags().contains(Modifier.PRIVATE);
                        }
                        return mods.getFlags().contains(Modifier.PUBLIC) || mods.getFlags().contains(Modifier.PROTECTED);
                    }

                    private void check(String what) {
                        if (docs.getDocCommentTree(getCurrentPath()) == null) {
                            long line = unit.getLineMap().getLineNumber(docs.getSourcePositions()
                                    .getStartPosition(unit, getCurrentPath().getLeaf()));
                            out.add(root.toAbsolutePath().normalize().relativize(Path.of(unit.getSourceFile().toUri())) + ":" + line + " " + what);
                        }
                    }
                }.scan(unit, null);
            }
        }
        return out;
    }
}
