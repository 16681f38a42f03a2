"""Held-out retrieval questions for a fictional veterinary clinic and pet shop.

This set was written independently of the tuning set (``tests/retrieval/questions.py`` and the
example knowledge in ``app/examples/knowledge/``), by someone who did not read either, and it must
never be used to tune retrieval: no thresholds, weights or synonyms may be fitted to it. It exists
only to check that figures measured on the tuning set hold on unseen text.

It contains:

- ``knowledge/``: eight Markdown documents of "Clínica Veterinária Bicho Feliz", a made-up vet
  clinic, pet shop, grooming salon and pet hotel in Londrina (PR): hours and address, consultations
  and scheduling, vaccines and microchip, surgery and exams, the 24-hour emergency service, bath and
  grooming, hotel and daycare, and the shop with delivery and payment;
- ``IN_SCOPE``: 32 questions typed the way customers write on WhatsApp (abbreviations, missing
  accents, typos, synonyms and paraphrases with little word overlap), each paired with the file name
  of the one document that answers it;
- ``OUT_OF_SCOPE``: 20 questions the documents cannot answer: other businesses, general knowledge,
  chit-chat, gibberish, and a few that share a word with the documents ("carro", "vaga", "horário",
  "entrega", "vacina", "consulta") without being answered by them.

The owner's questions: every section of ``knowledge/`` ends with a ``Perguntas:`` line (the
questions customers send about it, as an owner would write them). They were added later, for
issue 14, by a helper that was given the documents alone (not these questions, not the code),
playing the owner; nothing was changed after measuring. The evaluation also runs this set
without them (``EvaluationSet.as_written``), as the documents were first written.
"""

IN_SCOPE: list[tuple[str, str]] = [
    # horario-e-endereco.md
    ("qual o horário?", "horario-e-endereco.md"),
    ("vcs ficam em q rua?", "horario-e-endereco.md"),
    ("da pra parar o carro ai?", "horario-e-endereco.md"),
    ("amanha é feriado, vcs tao abertos?", "horario-e-endereco.md"),
    # consultas-e-agendamento.md
    ("qnto ta a consulta?", "consultas-e-agendamento.md"),
    ("como faço pra marcar atendimento pro meu cão?", "consultas-e-agendamento.md"),
    ("vcs atendem passarinho?", "consultas-e-agendamento.md"),
    ("o veterinario pode vir aqui em casa?", "consultas-e-agendamento.md"),
    # vacinas-e-microchip.md
    ("qnto custa pra chipar o cachorro?", "vacinas-e-microchip.md"),
    ("meu filhote tem 2 meses ja pode tomar vacina?", "vacinas-e-microchip.md"),
    ("tem q agendar pra vacinar ou é so chegar?", "vacinas-e-microchip.md"),
    ("qnto é a vacina da raiva?", "vacinas-e-microchip.md"),
    # cirurgias-e-exames.md
    ("qnto fica pra castrar uma gata?", "cirurgias-e-exames.md"),
    ("meu cao vai operar amanha, pode comer hj a noite?", "cirurgias-e-exames.md"),
    ("resultado do exame de sangue demora mt?", "cirurgias-e-exames.md"),
    ("limpeza nos dentes do dog qnto sai?", "cirurgias-e-exames.md"),
    # emergencia-24h.md
    ("meu cachorro comeu veneno de rato oq eu faço", "emergencia-24h.md"),
    ("tem atendimento de madrugada?", "emergencia-24h.md"),
    ("qual o numero pra urgencia?", "emergencia-24h.md"),
    ("meu gato ta internado, posso ir ver ele?", "emergencia-24h.md"),
    # banho-e-tosa.md
    ("qnto ta o banho num shih tzu pequeno?", "banho-e-tosa.md"),
    ("tem taxi dog?", "banho-e-tosa.md"),
    ("vcs dao banho em felino?", "banho-e-tosa.md"),
    ("da pra levar pra banhar na segunda feira?", "banho-e-tosa.md"),
    # hotel-e-creche.md
    ("vou viajar, tem onde deixar meu cachorro uns dias?", "hotel-e-creche.md"),
    ("minha cadela ta no cio pode ficar no hotelzinho?", "hotel-e-creche.md"),
    ("tem daycare pro meu cão ficar enqto eu trabalho?", "hotel-e-creche.md"),
    # loja-entrega-e-pagamento.md
    ("aceita cheque?", "loja-entrega-e-pagamento.md"),
    ("vcs tem racao golden?", "loja-entrega-e-pagamento.md"),
    ("entregam em cambe?", "loja-entrega-e-pagamento.md"),
    ("posso parcelar a castraçao no cartao?", "loja-entrega-e-pagamento.md"),
    ("passa cartão elo?", "loja-entrega-e-pagamento.md"),
]

OUT_OF_SCOPE: list[str] = [
    # share a word with the documents, but are not answered by them
    "vocês vendem carro usado?",
    "tem vaga de emprego aí?",
    "qual o horário do jogo do Flamengo hoje?",
    "vcs entregam pizza?",
    "onde tomo a vacina da covid?",
    "quanto custa uma consulta no cardiologista pra minha mãe?",
    # other businesses' products and services
    "vcs vendem pão de queijo?",
    "faz conserto de celular?",
    "quanto ta o corte de cabelo masculino?",
    "tem gasolina aditivada?",
    # general knowledge
    "qual a capital da Austrália?",
    "quem ganhou a copa de 2002?",
    "quantos km de londrina até curitiba?",
    "que dia cai o carnaval esse ano?",
    # chit-chat
    "oi tudo bem?",
    "kkkkkk vc é robô?",
    "me conta uma piada",
    # gibberish
    "asdfgh jklç",
    "xzq wpt bnm 123",
    "?????",
]
